"""Long checks on the full embedded suite (run with `python -m pytest -m slow`)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bench.data.digits import DigitsConfig, build_digits
from bench.metrics.evalnet import train_evalnet
from bench.runtime import set_threads

pytestmark = pytest.mark.slow


def test_evaluation_network_accuracy_within_two_minutes(tmp_path: Path) -> None:
    build_digits(tmp_path / "data", DigitsConfig())
    set_threads(1)
    started = time.perf_counter()
    meta = train_evalnet("digits", tmp_path / "digits.pt", data_root=tmp_path / "data", progress=False)
    elapsed = time.perf_counter() - started
    acc = meta["test_accuracy"]
    print(f"evaluation network: {acc} in {elapsed:.0f} s")
    assert acc["hand"] >= 0.97 and acc["mnistm"] >= 0.90 and acc["syn"] >= 0.90
