"""GPU speed switches (TF32, bf16 autocast, channels-last, cuDNN search) are settings of a run: applied in
training, recorded in its summary and metrics, passed by the workflow, and part of what a resume must match."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from bench.errors import ConfigError
from bench.runtime import Numerics
from bench.train import make_spec, train

SMALL = {"ngf": 4, "ndf": 4, "n_blocks": 1, "batch_size": 2}
REPO = Path(__file__).resolve().parents[1]


def test_bf16_channels_last_training_is_recorded_and_resume_must_match(digits_root: Path, tmp_path: Path) -> None:
    numerics = Numerics(autocast="bf16", channels_last=True, cudnn_benchmark=False)
    spec = make_spec("hand2mnistm", "cyclegan", 0, 2, SMALL, 16, "embedded", numerics=numerics)
    assert spec.numerics == {"autocast": "bf16", "channels_last": True, "cudnn_benchmark": False}
    summary = train(spec, tmp_path / "run", data_root=digits_root, progress=False)
    assert summary["numerics"] == {"tf32": False, "autocast": "bf16", "channels_last": True, "cudnn_benchmark": False}
    losses = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert all(math.isfinite(v) for record in losses for v in record.values())
    plain = make_spec("hand2mnistm", "cyclegan", 0, 2, SMALL, 16, "embedded")
    assert plain.numerics == {}
    with pytest.raises(ConfigError, match="holds a run with other settings"):
        train(plain, tmp_path / "run", resume=True, data_root=digits_root, progress=False)


def test_channels_last_applies_to_networks_and_batches() -> None:
    numerics = Numerics(channels_last=True)
    net = numerics.memory_format(torch.nn.Conv2d(3, 4, 3))
    assert net.weight.is_contiguous(memory_format=torch.channels_last)
    batch = numerics.memory_format({"A": torch.zeros(2, 3, 8, 8), "ids_A": ["a", "b"]})
    assert batch["A"].is_contiguous(memory_format=torch.channels_last) and batch["ids_A"] == ["a", "b"]
    with pytest.raises(ConfigError, match="autocast 'fp8'"):
        Numerics(autocast="fp8")


def test_the_workflow_passes_the_configs_switches_to_training(tmp_path: Path) -> None:
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config["numerics"] = {"autocast": "bf16", "channels_last": True, "cudnn_benchmark": False}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    out = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory",
                          str(tmp_path), "-n", "-p", "--cores", "2", "results/leaderboard.csv", "--configfile",
                          str(tmp_path / "config.yaml")], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    commands = [line for line in (out.stdout + out.stderr).splitlines() if "bench train" in line]
    assert commands and all("--autocast bf16 --channels-last --no-cudnn-benchmark" in c for c in commands)
