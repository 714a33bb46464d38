"""A run killed with SIGKILL and resumed ends with the weights of an uninterrupted run; NaNs stop a run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from bench.errors import TrainingDiverged
from bench.io import torch_load
from bench.train import CHECKPOINT, make_spec, train

TINY = {
    "cyclegan": ("hand2mnistm", ["ngf=4", "ndf=4", "n_blocks=1", "batch_size=2"]),
    "pix2pix": ("hand2mnistm_paired", ["ngf=4", "ndf=4", "batch_size=2"]),
    "identity": ("hand2mnistm", []),
}
STEPS = 120


def _command(method: str, out: Path, data_root: Path) -> list[str]:
    task, sets = TINY[method]
    cmd = [sys.executable, "-m", "bench", "train", "--task", task, "--method", method, "--out", str(out),
           "--steps", str(STEPS), "--image-size", "16", "--data-root", str(data_root), "--threads", "1",
           "--checkpoint-every", "7", "--sample-every", "50", "--seed", "3", "--resume", "--quiet"]
    for s in sets:
        cmd += ["--set", s]
    return cmd


def _weights(run: Path) -> dict[str, torch.Tensor]:
    state = torch_load(run / CHECKPOINT)
    return {f"{net}.{k}": v for net, sd in state["method"]["nets"].items() for k, v in sd.items()}


@pytest.mark.parametrize("method", sorted(TINY))
def test_sigkill_then_resume_equals_an_uninterrupted_run(method: str, digits_root: Path, tmp_path: Path) -> None:
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    subprocess.run(_command(method, straight, digits_root), check=True, capture_output=True)
    proc = subprocess.Popen(_command(method, killed, digits_root), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (killed / CHECKPOINT).exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stopped_at = torch_load(killed / CHECKPOINT)["step"]
    assert 0 < stopped_at < STEPS, "the run must be killed mid-way"
    subprocess.run(_command(method, killed, digits_root), check=True, capture_output=True)
    assert torch_load(killed / CHECKPOINT)["step"] == STEPS
    a, b = _weights(straight), _weights(killed)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    steps_logged = [json.loads(line)["step"] for line in (killed / "log.jsonl").read_text().splitlines()]
    assert steps_logged == sorted(set(steps_logged)), "resume must not duplicate log lines"


def test_a_nan_loss_stops_the_run_and_keeps_the_last_checkpoint(digits_root: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from methods.cyclegan import CycleGAN

    original = CycleGAN.train_step

    def poisoned(self, batch, step):
        if step == 5:
            batch = {**batch, "A": batch["A"] * float("nan")}
        return original(self, batch, step)

    monkeypatch.setattr(CycleGAN, "train_step", poisoned)
    spec = make_spec("hand2mnistm", "cyclegan", 0, 10, {"ngf": 4, "ndf": 4, "n_blocks": 1, "batch_size": 2}, 16)
    with pytest.raises(TrainingDiverged, match=r"loss '\w+' became nan at step 6 .* last good checkpoint \(step 4\)"):
        train(spec, tmp_path / "run", data_root=digits_root, progress=False, checkpoint_every=2)
    ckpt = torch_load(tmp_path / "run" / CHECKPOINT)
    assert ckpt["step"] == 4
    assert all(torch.isfinite(v).all() for sd in ckpt["method"]["nets"].values() for v in sd.values()
               if v.is_floating_point())


def test_an_existing_run_is_not_overwritten(digits_root: Path, tmp_path: Path) -> None:
    from bench.errors import ConfigError

    spec = make_spec("hand2mnistm", "identity", 0, 2, {}, 16)
    train(spec, tmp_path / "run", data_root=digits_root, progress=False)
    with pytest.raises(ConfigError, match="already holds a checkpoint; pass --resume"):
        train(spec, tmp_path / "run", data_root=digits_root, progress=False)
    other = make_spec("hand2mnistm", "identity", 1, 2, {}, 16)
    with pytest.raises(ConfigError, match="holds a run with other settings"):
        train(other, tmp_path / "run", resume=True, data_root=digits_root, progress=False)
