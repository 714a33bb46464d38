"""The Snakemake workflow: a tiny end-to-end run, the default dry run, drop-in methods and config validation."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from PIL import Image

from bench.registry import registry

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile")]
DROP_IN = "zz_test_dropin"
DROP_IN_NAME = "zz-dropin"
DROP_IN_STEPS = 7
DROP_IN_CODE = textwrap.dedent('''
    """A method dropped into the methods/ folder of a copy of the repository: a learnable 1×1 colour mixing."""
    import torch
    from bench.method import Method


    class DropIn(Method):
        name = "{name}"
        settings = frozenset({"unpaired", "paired"})
        inference = ("mix",)
        embedded_steps = {steps}
        paper = "workflow test"

        @classmethod
        def hparams(cls, task, profile="paper"):
            return {"batch_size": 4 if profile == "embedded" else 16, "lr": 0.05}

        def __init__(self, task, hparams, device="cpu", steps=1):
            super().__init__(task, hparams, device, steps)
            self.mix = torch.nn.Conv2d(3, 3, 1).to(self.device)
            self.nets = {"mix": self.mix}
            self.optimizers = {"mix": torch.optim.SGD(self.mix.parameters(), hparams["lr"])}

        def train_step(self, batch, step):
            self.optimizers["mix"].zero_grad()
            loss = (self.mix(batch["A"]).mean((0, 2, 3)) - batch["B"].mean((0, 2, 3))).pow(2).sum()
            loss.backward()
            self.optimizers["mix"].step()
            return {"colour": loss.item()}

        def translate(self, x, *, source, target, mode, noise=None, reference=None):
            return self.mix(x).clamp(-1, 1)
''').replace("{name}", DROP_IN_NAME).replace("{steps}", str(DROP_IN_STEPS))
REPO_PARTS = ("Snakefile", "workflows", "config", "bench", "methods")


def _snakemake(workdir: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([*SNAKEMAKE, "--directory", str(workdir), *args], capture_output=True, text=True,
                          timeout=timeout)


def _full_config(**changes: object) -> dict:
    """The default config with ``changes``: a --configfile stands alone, so test configs start from the default."""
    return {**yaml.safe_load((REPO / "config" / "config.yaml").read_text()), **changes}


def _tiny_config(path: Path, exclude: list[str]) -> Path:
    config = _full_config(**{
        "digits": {"seed": 0, "size": 16, "test_fraction": 0.2, "train_per_digit": 2, "test_per_digit": 1,
                   "max_sources": 200},
        "tasks": ["hand2mnistm"], "image_size": 16, "methods": "all", "exclude_methods": exclude,
        "threads": {"train": 1, "evaluate": 1, "evalnet": 1}, "metrics": {"k": 3, "n": 10, "pairs": "all"},
        "method_settings": {"cyclegan": {"steps": 4, "hparams": {"ngf": 4, "ndf": 4, "n_blocks": 1,
                                                                 "batch_size": 2}}},
    })
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny workflow, run in a copy of the repository with a method module dropped into its methods/ folder.

    Jobs run from the copy's root (as a user runs them from the repository), so ``python -m bench`` imports the
    copy's ``bench`` and ``methods``; the real methods/ folder is never written.
    """
    workdir = tmp_path_factory.mktemp("tiny_workflow")
    for part in REPO_PARTS:
        copy = shutil.copytree if (REPO / part).is_dir() else shutil.copy
        copy(REPO / part, workdir / part, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                             if (REPO / part).is_dir() else {}))
    (workdir / "methods" / f"{DROP_IN}.py").write_text(DROP_IN_CODE)
    exclude = sorted(set(registry()) - {"identity", "cyclegan"})
    config = _tiny_config(workdir / "tiny.yaml", exclude)
    result = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(workdir / "Snakefile"), "--directory",
                             str(workdir), "--configfile", str(config), "--cores", "2", "results/leaderboard.csv"],
                            capture_output=True, text=True, timeout=900, cwd=workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


def test_tiny_workflow_end_to_end_with_a_dropped_in_method(tiny_run: Path) -> None:
    board = pd.read_csv(tiny_run / "results" / "leaderboard.csv")
    assert set(board["method"]) == {"identity", "cyclegan", DROP_IN_NAME, "real-data floor"}
    assert set(board["task"]) == {"hand2mnistm"}
    for column in ("setting", "supervision", "multimodal", "seeds", "fid_mean", "fid_std", "kid_mean",
                   "content_acc_mean", "parameters_total_mean", "train_wall_s_mean", "translate_images_per_s_mean",
                   "backbone", "protocol_hash"):
        assert column in board.columns, column
    assert board["fid_mean"].notna().all() and (board["backbone"] == "evalnet-digits").all()
    assert board["protocol_hash"].nunique() == 1
    plots = {p.name for p in (tiny_run / "results" / "plots").iterdir()}
    assert {"fid_kid_hand2mnistm.png", "samples_hand2mnistm.png", "losses_hand2mnistm.png", "accuracy.png",
            "fid_vs_diversity.png"} <= plots
    assert DROP_IN_NAME in (tiny_run / "results" / "leaderboard.md").read_text()
    # the dropped-in method trained for the budget its embedded profile states, with no config entry of its own
    summary = json.loads((tiny_run / "runs" / "hand2mnistm" / DROP_IN_NAME / "seed0" / "train_summary.json").read_text())
    assert summary["steps"] == DROP_IN_STEPS
    assert not (REPO / "methods" / f"{DROP_IN}.py").exists()
    for rule in ("train", "evaluate"):
        assert (tiny_run / "logs" / "benchmarks" / rule / "hand2mnistm" / "cyclegan" / "seed0.tsv").is_file()
    sources = re.findall(r'<img[^>]*\ssrc="([^"]*)"', (tiny_run / "results" / "report.html").read_text())
    assert len(sources) >= 5 and all(src.startswith("data:image/png;base64,") for src in sources)
    for src in sources:  # every embedded picture is a whole, decodable PNG
        Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).load()


def test_snakemake_report_of_a_finished_run_needs_no_cores(tiny_run: Path) -> None:
    """The README's `--report` command as written, its suite config swapped for the tiny one (rules claim a share of
    --cores, which a report run does not give)."""
    from tests.test_readme_commands import readme_commands

    command = next(c for c in readme_commands() if c.startswith("snakemake") and "--report" in c)
    args = command.replace("config/paper.yaml", str(tiny_run / "tiny.yaml")).split()
    result = subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=300, cwd=tiny_run)
    assert result.returncode == 0, result.stderr[-3000:]
    assert zipfile.is_zipfile(tiny_run / "results" / "snakemake-report.zip")


def test_report_opens_in_headless_chromium_with_no_broken_image(tiny_run: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no browser on this machine: install Debian's 'chromium' package to open the report headless "
                    "(its embedded images are decoded by the end-to-end test either way)")
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--no-first-run", f"--user-data-dir={tiny_run / 'chromium'}",
                          "--virtual-time-budget=10000", "--dump-dom", (tiny_run / "results" / "report.html").as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    body = re.search(r"<body[^>]*>", dom)
    assert body, dom[:500]
    assert 'data-broken-images="0"' in body.group(0), body.group(0)
    assert int(re.search(r'data-images="(\d+)"', body.group(0)).group(1)) >= 5


def test_default_dry_run_has_jobs_for_every_method_not_left_out(tmp_path: Path) -> None:
    result = _snakemake(tmp_path, "-n", "-p", "results/leaderboard.csv", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    text = result.stdout + result.stderr
    trained = set(re.findall(r"bench train --task (\S+) --method (\S+) ", text))
    from bench.data.tasks import get_task
    from bench.suite import load_config

    config = load_config(REPO / "config" / "config.yaml")
    left_out = set(config["exclude_methods"])
    for name, cls in registry().items():
        compatible = [t for t in config["tasks"] if cls.supports(get_task(t))]
        assert compatible, f"{name} has no compatible embedded task"
        for task in compatible:
            assert ((task, name) in trained) != (name in left_out), f"{name} on {task}: left out {name in left_out}"
    assert "rule publish" in text and "rule floor" in text
    assert "rule evalnet" not in text, "the default run scores with the pinned evaluation network"


def test_a_local_run_starts_at_most_one_job_per_cpu(tmp_path: Path) -> None:
    cpus = len(os.sched_getaffinity(0))
    result = _snakemake(tmp_path, "-n", "-p", "--cores", str(4 * cpus), "results/leaderboard.csv", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    text = result.stdout + result.stderr
    train_jobs = re.findall(r"rule train:.*?threads: (\d+).*?--threads (\d+)", text, re.S)
    assert train_jobs and all((claimed, used) == ("4", "1") for claimed, used in train_jobs)


@pytest.mark.parametrize("bad,needle", [
    ({"methods": ["identity", "cycelgan"]}, "unknown method 'cycelgan'"),
    ({"method_settings": {"default": {"steps": -5}}}, "-5 is less than the minimum of 0"),
    ({"colour": "blue"}, "'colour' was unexpected"),
    ({"method_settings": {"default": {"steps": 3}, "cyclegan": {"hparams": {"wings": 2}}}},
     "unknown hyper-parameter(s) wings"),
])
def test_invalid_config_fails_before_any_job(tmp_path: Path, bad: dict, needle: str) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(yaml.safe_dump(_full_config(**bad)))
    result = _snakemake(tmp_path, "--configfile", str(config), "--cores", "1", "results/leaderboard.csv",
                        timeout=300)
    assert result.returncode != 0
    assert needle in result.stdout + result.stderr, (result.stdout + result.stderr)[-2000:]
    assert not (tmp_path / "resources").exists() and not (tmp_path / "runs").exists()
