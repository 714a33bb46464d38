"""Results you can trust: suites that stand alone, a pinned evaluation network, rank bands, honest defaults."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch

from bench import defaults
from bench.cli import main
from bench.data.tasks import get_task
from bench.errors import ChecksumError
from bench.metrics.backbones import EVALNET, resolve_backbone
from bench.metrics.evalnet import digit_logits, load_evalnet
from bench.metrics.fidelity import fid_kid
from bench.registry import get_method
from bench.report.aggregate import add_rank_bands
from bench.suite import load_config, plan
from bench.train import make_spec

REPO = Path(__file__).resolve().parents[1]


def test_the_paper_suite_plans_every_job_at_its_methods_paper_values() -> None:
    config = load_config(REPO / "config" / "paper.yaml")
    jobs = plan(config)
    assert jobs and {job.profile for job in jobs} == {"paper"}
    explicit = {(task, method): block["steps"] for task, methods in config["task_method_settings"].items()
                for method, block in methods.items()}
    for job in jobs:
        task, cls = get_task(job.task), get_method(job.method)
        assert job.hparams == {}, f"{job.run}: the paper suite overrides {job.hparams}"
        spec = make_spec(job.task, job.method, job.seed, job.steps, job.hparams, profile=job.profile)
        assert spec.hparams == cls.hparams(task, "paper"), job.run
        expected = explicit[(job.task, job.method)] if (job.task, job.method) in explicit else cls.budget(task, "paper")
        assert job.steps == expected, job.run
    cyclegan = next(j for j in jobs if (j.task, j.method) == ("horse2zebra", "cyclegan"))
    assert cyclegan.steps == 200 * 1334  # 100 + 100 epochs of the larger domain, batch 1


def test_the_paper_suite_inherits_nothing_from_the_embedded_one(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory",
                             str(tmp_path), "-n", "--forceall", "--configfile", str(REPO / "config/paper.yaml"),
                             "-p", "results/leaderboard.csv"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    text = result.stdout + result.stderr
    trains = re.findall(r"bench train --task (\S+) --method (\S+) --seed \d+ \S+ \S+ --profile (\S+) --steps (\d+) "
                        r"(.*?)--data-root", text)
    assert trains and all(profile == "paper" and "--set" not in rest and "--weight-average" not in rest
                          for _, _, profile, _, rest in trains)
    # the only other flag: four DataLoader workers (it changes no batch)
    assert ("facades", "bicyclegan", "paper", "80000", "--data-workers 4") in {(t, m, p, s, r.strip()) for t, m, p, s, r in trains}
    assert "hand2mnistm" not in text and "digits" not in re.findall(r"rule (\w+):", text)


def _blobs(gen: torch.Generator, n: int, height: int) -> torch.Tensor:
    """Coloured rectangles on dark noise, drawn from torch's CPU generator: the same on every machine."""
    x = torch.randint(0, 64, (n, 3, 32, 32), generator=gen, dtype=torch.uint8)
    for i in range(n):
        top, left = (int(torch.randint(0, 16, (), generator=gen)) for _ in range(2))
        x[i, :, top:top + height, left:left + 8] = torch.randint(100, 256, (3, 1, 1), generator=gen,
                                                                 dtype=torch.uint8)
    return x


def test_the_full_profile_scores_weight_averages_and_the_quick_one_the_last_step(tmp_path: Path) -> None:
    def train_flags(config: str) -> list[str]:
        result = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory",
                                 str(tmp_path / Path(config).stem), "-n", "--forceall", "-p", "--configfile",
                                 str(REPO / config)], capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        return re.findall(r"python -m bench train (.*?) --data-root", result.stdout + result.stderr)

    full, quick = train_flags("config/embedded-full.yaml"), train_flags("config/config.yaml")
    assert full and all(line.endswith("--weight-average 0.1") for line in (f.strip() for f in full))
    assert quick and not any("--weight-average" in line for line in quick)


def test_the_pinned_network_scores_fixed_images_as_on_every_other_machine() -> None:
    gen = torch.Generator().manual_seed(1234)
    fake, real = _blobs(gen, 120, 12), _blobs(gen, 100, 16)
    scores = fid_kid(fake, real, resolve_backbone(EVALNET), kid_subsets=10)
    # Values computed once with the pinned weights (SHA-256 in bench/defaults.py); any machine must agree.
    assert scores["fid"] == pytest.approx(21.387643, abs=1e-4)
    assert scores["kid"] == pytest.approx(3.792459, abs=1e-4)
    net, meta = load_evalnet()
    logits = digit_logits(net, fake)
    assert logits.argmax(1)[:20].tolist() == [1, 5, 1, 1, 0, 1, 1, 0, 1, 4, 0, 1, 1, 1, 0, 9, 1, 1, 5, 1]
    torch.testing.assert_close(logits[0], torch.tensor([0.3371, 2.1911, -2.1322, -1.6522, -0.4041, 1.1313, -1.5313,
                                                        0.4024, -1.1920, 1.3891]), atol=1e-4, rtol=0)
    assert meta["steps"] == defaults.EVALNET_STEPS and meta["seed"] == 0


def test_a_tampered_pinned_network_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "evalnet-digits.pt"
    shutil.copy(defaults.EVALNET_PINNED, copy)
    with copy.open("ab") as fh:
        fh.write(b"\0")
    monkeypatch.setattr(defaults, "EVALNET_PINNED", copy.resolve())
    with pytest.raises(ChecksumError, match="is not the pinned evaluation network's"):
        load_evalnet()


def test_the_default_workflow_scores_with_the_pinned_network() -> None:
    config = load_config(REPO / "config" / "config.yaml")
    assert "evalnet" not in config
    assert resolve_backbone(EVALNET).weights == defaults.EVALNET_PINNED


def test_rank_bands_tie_overlapping_intervals() -> None:
    board = pd.DataFrame({"board": ["b"] * 5, "method": ["a", "b", "c", "d", "real-data floor"],
                          "fid_mean": [10.0, 12.0, 30.0, 31.0, 1.0], "fid_std": [3.0, 1.0, 2.0, math.nan, 0.0]})
    ranked = add_rank_bands(board, "fid")
    assert ranked["fid_rank"].tolist() == ["1–2", "1–2", "3–4", "3–4", ""]
    board.loc[0, "fid_std"] = 0.5
    assert add_rank_bands(board, "fid")["fid_rank"].tolist()[:2] == ["1", "2"]


def test_score_on_a_truncated_image_names_it_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import Image

    for folder in ("fake", "real"):
        (tmp_path / folder).mkdir()
        for i in range(3):
            Image.new("RGB", (32, 32), (i * 40, 0, 0)).save(tmp_path / folder / f"{i}.png")
    bad = tmp_path / "fake" / "1.png"
    bad.write_bytes(bad.read_bytes()[:40])
    code = main(["score", "--fake", str(tmp_path / "fake"), "--real", str(tmp_path / "real"), "--backbone", EVALNET])
    err = capsys.readouterr().err.strip()
    assert code == 2 and str(bad) in err and len(err.splitlines()) == 1


def test_cogan_is_labelled_with_the_labels_it_trains_on() -> None:
    assert get_method("cogan").supervision == "source labels"
