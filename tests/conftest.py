"""Shared fixtures: a tiny digits suite (16 px, 200 source digits), an Inception and an AlexNet (LPIPS) with random
weights, each built once per test session; and the Slurm test's workflow, started with the session."""

from __future__ import annotations

import subprocess
from contextlib import ExitStack
from pathlib import Path
from typing import Iterator

import pytest
import torch
import torchvision

from bench.data.digits import DigitsConfig, build_digits
from tests.slurm_cluster import SlurmRun, one_node_cluster, start_tiny_suite, why_not

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


@pytest.fixture(scope="session", autouse=True)
def slurm_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlurmRun | None]:
    """The Slurm test's workflow, started with the session when that test is selected and Slurm is here: most of its
    two minutes are the executor's waits between status checks, which the other tests fill."""
    if why_not() is not None or not any(item.path.name == "test_slurm.py" for item in request.session.items):
        yield None
        return
    root, workdir = tmp_path_factory.mktemp("slurm"), tmp_path_factory.mktemp("slurm_run")
    with ExitStack() as daemons:
        try:
            run = start_tiny_suite(daemons.enter_context(one_node_cluster(root)), workdir)
        except (OSError, RuntimeError, subprocess.SubprocessError) as error:  # the Slurm test reports it
            run = SlurmRun(None, workdir, f"the one-node Slurm could not start: {error}")
        try:
            yield run
        finally:
            if run.process is not None and run.process.poll() is None:
                run.process.kill()
                run.process.wait()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many methods the conformance suite checked (every registered one plus the plugin)."""
    reports = [r for key in ("passed", "failed") for r in terminalreporter.stats.get(key, [])]
    methods = {r.nodeid.rsplit("[", 1)[1].rstrip("]") for r in reports
               if "test_conformance.py::" in r.nodeid and r.nodeid.endswith("]") and r.when == "call"}
    if methods:
        terminalreporter.write_line(f"conformance suite: {len(methods)} methods checked "
                                    f"({', '.join(sorted(methods))})")
