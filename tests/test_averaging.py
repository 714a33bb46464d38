"""Weight averaging for evaluation (bench/averaging.py): the average's arithmetic, which networks it covers, that
translation uses it, and that it survives an interrupted run bit for bit."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from bench.averaging import WeightAverage, averaged_networks
from bench.errors import ConfigError
from bench.io import torch_load
from bench.train import AVERAGE, CHECKPOINT, build_method, load_checkpoint, make_spec, train
from methods.cyclegan import CycleGAN
from tests.helpers import interrupt_at

TINY = {"ngf": 4, "ndf": 4, "n_blocks": 1, "batch_size": 2}


def test_the_average_spans_the_last_fraction_of_the_steps_so_far() -> None:
    spec = make_spec("hand2mnistm", "cyclegan", 0, 100, TINY, 16, weight_average=0.25)
    method = build_method(spec, torch.device("cpu"))
    average = WeightAverage(method, spec.weight_average)
    weight = next(method.nets["G_A"].parameters())
    expected = None
    for t in range(1, 41):
        with torch.no_grad():
            weight.fill_(float(t))
        average.update(t)
        alpha = 1.0 / max(1.0, 0.25 * t)  # the newest step's weight
        expected = float(t) if expected is None else (1 - alpha) * expected + alpha * t
    averaged = next(average.shadows["G_A"].parameters())
    torch.testing.assert_close(averaged, torch.full_like(averaged, expected))
    assert 40 - 10 < expected < 40 - 2, "the average lags by a few steps of the last quarter, not by the whole run"


def test_networks_a_method_averages_itself_are_left_to_it() -> None:
    spec = make_spec("digits3", "stargan2", 0, 1, {}, 16, profile="embedded")
    method = build_method(spec, torch.device("cpu"))
    covered = set(averaged_networks(method))
    assert covered, "StarGAN v2's discriminator is still averaged"
    assert not covered & set(method.ema_sources()), "a network with its own EMA copy averaged twice"
    assert not covered & set(method.ema), "an EMA copy averaged"


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_a_horizon_outside_the_unit_interval_is_refused(bad: float) -> None:
    with pytest.raises(ConfigError, match=f"weight_average must lie in \\[0, 1\\].*{bad}"):
        make_spec("hand2mnistm", "cyclegan", 0, 10, TINY, 16, weight_average=bad)


def test_an_averaged_run_translates_with_its_averages_and_resumes_bit_exactly(digits_root: Path, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    spec = make_spec("hand2mnistm", "cyclegan", 0, 6, TINY, 16, weight_average=0.5)
    train(spec, tmp_path / "straight", data_root=digits_root, progress=False, checkpoint_every=3)
    ckpt = torch_load(tmp_path / "straight" / CHECKPOINT)
    assert set(ckpt[AVERAGE]) == set(ckpt["method"]["nets"])
    raw, averaged = ckpt["method"]["nets"]["G_A"], ckpt[AVERAGE]["G_A"]
    assert any(not torch.equal(raw[k], averaged[k]) for k in raw), "the average equals the last step's weights"
    _, method, _ = load_checkpoint(tmp_path / "straight", torch.device("cpu"), digits_root)
    for key, value in method.nets["G_A"].state_dict().items():
        assert torch.equal(value, averaged[key]), f"translation would not use the average ({key})"

    interrupt_at(monkeypatch, CycleGAN, 4)
    with pytest.raises(KeyboardInterrupt):
        train(spec, tmp_path / "resumed", data_root=digits_root, progress=False, checkpoint_every=3)
    monkeypatch.undo()
    train(spec, tmp_path / "resumed", resume=True, data_root=digits_root, progress=False, checkpoint_every=3)
    resumed = torch_load(tmp_path / "resumed" / CHECKPOINT)
    for group in ("method", AVERAGE):
        one = ckpt[group]["nets"] if group == "method" else ckpt[group]
        two = resumed[group]["nets"] if group == "method" else resumed[group]
        assert all(torch.equal(one[net][k], two[net][k]) for net in one for k in one[net]), group


def test_a_run_without_averaging_keeps_no_averages(digits_root: Path, tmp_path: Path) -> None:
    spec = make_spec("hand2mnistm", "cyclegan", 0, 2, TINY, 16)
    train(spec, tmp_path / "run", data_root=digits_root, progress=False)
    ckpt = torch_load(tmp_path / "run" / CHECKPOINT)
    assert AVERAGE not in ckpt
    _, method, _ = load_checkpoint(tmp_path / "run", torch.device("cpu"), digits_root)
    for key, value in method.nets["G_A"].state_dict().items():
        assert torch.equal(value, ckpt["method"]["nets"]["G_A"][key])
