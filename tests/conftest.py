"""Shared fixtures: a tiny digits suite (16 px, 200 source digits), an Inception and an AlexNet (LPIPS) with random
weights, each built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torchvision

from bench.data.digits import DigitsConfig, build_digits

TINY = DigitsConfig(seed=0, size=16, test_fraction=0.2, train_per_digit=2, test_per_digit=1, max_sources=200)
TINY_SIZE = 16


@pytest.fixture(scope="session")
def digits_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data root holding hand2mnistm, hand2mnistm_paired and digits3 at 16 px (320 train, 40 test each)."""
    root = tmp_path_factory.mktemp("data")
    build_digits(root, TINY)
    return root


@pytest.fixture(scope="session")
def random_inception(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """torch-fidelity's Inception with random weights (no weights can be downloaded here), saved to a file."""
    from torch_fidelity import feature_extractor_inceptionv3 as fe

    path = tmp_path_factory.mktemp("inception") / "random-inception.pth"
    orig_load, orig_url = fe.FeatureExtractorInceptionV3.load_state_dict, fe.load_state_dict_from_url
    fe.FeatureExtractorInceptionV3.load_state_dict = lambda self, sd, strict=True: None
    fe.load_state_dict_from_url = lambda *a, **k: {}
    try:
        torch.manual_seed(0)
        net = fe.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"])
    finally:
        fe.FeatureExtractorInceptionV3.load_state_dict, fe.load_state_dict_from_url = orig_load, orig_url
    torch.save(net.state_dict(), path)
    return path


@pytest.fixture(scope="session")
def torch_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A torch hub cache holding AlexNet with random weights under torchvision's file name (for LPIPS)."""
    home = tmp_path_factory.mktemp("torch_home")
    (home / "hub" / "checkpoints").mkdir(parents=True)
    torch.manual_seed(0)
    torch.save(torchvision.models.alexnet().state_dict(), home / "hub" / "checkpoints" / "alexnet-owt-7be5be79.pth")
    return home


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many methods the conformance suite checked (every registered one plus the plugin)."""
    reports = [r for key in ("passed", "failed") for r in terminalreporter.stats.get(key, [])]
    methods = {r.nodeid.rsplit("[", 1)[1].rstrip("]") for r in reports
               if "test_conformance.py::" in r.nodeid and r.nodeid.endswith("]") and r.when == "call"}
    if methods:
        terminalreporter.write_line(f"conformance suite: {len(methods)} methods checked "
                                    f"({', '.join(sorted(methods))})")
