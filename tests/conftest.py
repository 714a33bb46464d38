"""Shared fixtures: a tiny digits suite (16 px, 200 source digits) built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.data.digits import DigitsConfig, build_digits

TINY = DigitsConfig(seed=0, size=16, test_fraction=0.2, train_per_digit=2, test_per_digit=1, max_sources=200)
TINY_SIZE = 16


@pytest.fixture(scope="session")
def digits_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data root holding hand2mnistm, hand2mnistm_paired and digits3 at 16 px (320 train, 40 test each)."""
    root = tmp_path_factory.mktemp("data")
    build_digits(root, TINY)
    return root



def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many methods the conformance suite checked (every registered one plus the plugin)."""
    reports = [r for key in ("passed", "failed") for r in terminalreporter.stats.get(key, [])]
    methods = {r.nodeid.rsplit("[", 1)[1].rstrip("]") for r in reports
               if "test_conformance.py::" in r.nodeid and r.nodeid.endswith("]") and r.when == "call"}
    if methods:
        terminalreporter.write_line(f"conformance suite: {len(methods)} methods checked "
                                    f"({', '.join(sorted(methods))})")
