"""Discovery of methods, refusal of incompatible tasks and bad overrides, and drop-in methods."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import torch

from bench.cli import main
from bench.errors import ConfigError
from bench.registry import METHOD_PATH_ENV, get_method, registry
from bench.train import make_spec, train
from bench.translate import translate_run

THROWAWAY = textwrap.dedent('''
    """A throwaway method: a learnable per-channel colour shift, for the drop-in test."""
    import torch
    from bench.method import Method


    class ColourShift(Method):
        name = "colourshift"
        settings = frozenset({"unpaired"})
        inference = ("shift",)
        paper = "test"

        @classmethod
        def hparams(cls, task, profile="paper"):
            return {"batch_size": 4, "lr": 0.05}

        def __init__(self, task, hparams, device="cpu", steps=1):
            super().__init__(task, hparams, device, steps)
            self.shift = torch.nn.Conv2d(3, 3, 1).to(self.device)
            self.nets = {"shift": self.shift}
            self.optimizers = {"shift": torch.optim.SGD(self.shift.parameters(), hparams["lr"])}

        def train_step(self, batch, step):
            self.optimizers["shift"].zero_grad()
            loss = (self.shift(batch["A"]).mean((0, 2, 3)) - batch["B"].mean((0, 2, 3))).pow(2).sum()
            loss.backward()
            self.optimizers["shift"].step()
            return {"moment": loss.item()}

        def translate(self, x, *, source, target, mode, noise=None, reference=None):
            return self.shift(x).clamp(-1, 1)
''')


@pytest.fixture()
def throwaway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    folder = tmp_path / "extra_methods"
    folder.mkdir()
    (folder / "colourshift.py").write_text(THROWAWAY)
    monkeypatch.setenv(METHOD_PATH_ENV, str(folder))
    registry.cache_clear()
    yield "colourshift"
    monkeypatch.delenv(METHOD_PATH_ENV)
    registry.cache_clear()


def test_builtin_methods_are_registered(capsys: pytest.CaptureFixture[str]) -> None:
    assert {"identity", "pix2pix", "cyclegan"} <= set(registry())
    assert main(["methods"]) == 0
    out = capsys.readouterr().out
    assert "cyclegan" in out and "Zhu et al., ICCV 2017" in out
    header = out.splitlines()[0].split()
    assert "modes" in header and "multimodal" not in header
    rows = {line.split()[0]: line.split() for line in out.splitlines()[2:]}
    assert rows["bicyclegan"][header.index("modes")] == "latent,reference"
    assert rows["cyclegan"][header.index("modes")] == "deterministic"


def test_a_new_method_needs_only_its_module(throwaway: str, digits_root: Path, tmp_path: Path) -> None:
    assert get_method(throwaway).name == throwaway
    spec = make_spec("hand2mnistm", throwaway, 0, 30, {}, 16)
    summary = train(spec, tmp_path / "run", data_root=digits_root, progress=False, sample_every=15)
    assert summary["parameters"] == {"shift": 12} and summary["inference_parameters"] == 12
    log = (tmp_path / "run" / "log.jsonl").read_text().splitlines()
    first, last = (json.loads(line)["moment"] for line in (log[0], log[-1]))
    assert last < first
    result = translate_run(tmp_path / "run", tmp_path / "run" / "translations.pt", data_root=digits_root,
                           progress=False)
    assert list(result["entries"]) == ["0>1:deterministic"]
    assert result["entries"]["0>1:deterministic"]["images"].dtype == torch.uint8


def test_method_task_mismatch_is_refused_before_training(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["train", "--task", "hand2mnistm", "--method", "pix2pix", "--out", str(tmp_path / "run")])
    assert code == 2
    assert "method 'pix2pix' trains on ['paired'] tasks; task 'hand2mnistm' is unpaired" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_unknown_override_key_is_refused_before_training(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["train", "--task", "hand2mnistm", "--method", "cyclegan", "--out", str(tmp_path / "run"),
                 "--set", "lambda_cycle=3"])
    assert code == 2
    err = capsys.readouterr().err
    assert "unknown hyper-parameter(s) lambda_cycle" in err and "lambda_A" in err
    assert not (tmp_path / "run").exists()


def test_override_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(ConfigError, match="ngf='wide' should be a int"):
        make_spec("hand2mnistm", "cyclegan", 0, 10, {"ngf": "wide"})
    with pytest.raises(ConfigError, match="steps must be ≥ 0"):
        make_spec("hand2mnistm", "cyclegan", 0, -5, {})
