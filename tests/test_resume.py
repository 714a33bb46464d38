"""A NaN loss stops a run at its last good checkpoint; an existing run is never overwritten.

(SIGKILL-and-resume is checked for every method by tests/test_conformance.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from bench.errors import ConfigError, TrainingDiverged
from bench.io import torch_load
from bench.train import CHECKPOINT, make_spec, train
from methods.cyclegan import CycleGAN
from tests.helpers import interrupt_at


def test_a_nan_loss_stops_the_run_and_keeps_the_last_checkpoint(digits_root: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
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
    spec = make_spec("hand2mnistm", "identity", 0, 2, {}, 16)
    train(spec, tmp_path / "run", data_root=digits_root, progress=False)
    with pytest.raises(ConfigError, match="already holds a checkpoint; pass --resume"):
        train(spec, tmp_path / "run", data_root=digits_root, progress=False)
    other = make_spec("hand2mnistm", "identity", 1, 2, {}, 16)
    with pytest.raises(ConfigError, match="holds a run with other settings"):
        train(other, tmp_path / "run", resume=True, data_root=digits_root, progress=False)
    embedded = make_spec("hand2mnistm", "identity", 0, 2, {}, 16, profile="embedded")
    with pytest.raises(ConfigError, match="holds a run with other settings"):
        train(embedded, tmp_path / "run", resume=True, data_root=digits_root, progress=False)


def test_streamed_data_and_worker_processes_train_the_same_weights(digits_root: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    spec = make_spec("hand2mnistm", "cyclegan", 0, 6, {"ngf": 4, "ndf": 4, "n_blocks": 1, "batch_size": 2}, 16)
    held = train(spec, tmp_path / "held", data_root=digits_root, progress=False, stream=False)
    interrupt_at(monkeypatch, CycleGAN, 4)
    with pytest.raises(KeyboardInterrupt):  # stopped after the step-3 checkpoint, then resumed through the workers
        train(spec, tmp_path / "streamed", data_root=digits_root, progress=False, stream=True, data_workers=2,
              checkpoint_every=3)
    monkeypatch.undo()
    assert torch_load(tmp_path / "streamed" / CHECKPOINT)["step"] == 3
    streamed = train(spec, tmp_path / "streamed", resume=True, data_root=digits_root, progress=False, stream=True,
                     data_workers=2)
    assert held["data"] == {"streamed": False, "workers": 0} and streamed["data"] == {"streamed": True, "workers": 2}
    one, two = (torch_load(tmp_path / run / CHECKPOINT)["method"]["nets"] for run in ("held", "streamed"))
    assert all(torch.equal(one[net][k], two[net][k]) for net in one for k in one[net])
