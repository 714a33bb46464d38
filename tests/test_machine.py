"""Every run and report names the machine it ran on: the CPU model (not just its architecture), cores and GPU."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import pytest

from bench import runtime
from bench.runtime import cpu_model, describe_machine
from bench.train import make_spec, train

SMALL = {"ngf": 4, "ndf": 4, "n_blocks": 1, "batch_size": 2}


def test_the_cpu_model_comes_from_cpuinfo_and_falls_back_to_platform(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nvendor_id\t: Example\nmodel name\t: Example CPU 9000 @ 3.0GHz\n")
    monkeypatch.setattr(runtime, "Path", lambda _: info)
    assert cpu_model() == "Example CPU 9000 @ 3.0GHz"
    monkeypatch.setattr(runtime, "Path", lambda _: tmp_path / "missing")
    assert cpu_model() == (platform.processor() or platform.machine())


def test_a_run_summary_and_the_machine_line_name_the_cpu(digits_root: Path, tmp_path: Path) -> None:
    summary = train(make_spec("hand2mnistm", "cyclegan", 0, 1, SMALL, 16, "embedded"), tmp_path / "run",
                    data_root=digits_root, progress=False)
    assert summary["processor"] == cpu_model() and summary["cpus"] == os.cpu_count()
    line = describe_machine()
    assert line.startswith(f"{cpu_model()}, {os.cpu_count()} CPUs, ") and "torch" in line
