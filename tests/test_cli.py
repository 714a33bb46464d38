"""The command line lists its verbs, every verb answers --help, and describe picks the method's profile."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from bench.cli import build_parser, main
from bench.describe import probe_task
from methods.cyclegan import CycleGAN


def _verbs(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out.append(prefix + (name,))
                out.extend(_verbs(sub, prefix + (name,)))
    return out


def test_help_lists_the_verbs() -> None:
    result = subprocess.run([sys.executable, "-m", "bench", "--help"], capture_output=True, text=True, check=True)
    for verb in ("tasks", "data", "methods", "describe", "train", "translate"):
        assert verb in result.stdout


@pytest.mark.parametrize("verb", _verbs(build_parser()))
def test_every_verb_has_help(verb: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*verb, "--help"])
    assert exit_info.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_tasks_lists_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tasks"]) == 0
    out = capsys.readouterr().out
    for name in ("hand2mnistm", "hand2mnistm_paired", "digits3", "facades", "horse2zebra"):
        assert name in out
    assert "multidomain" in out and "paired" in out


def test_bench_errors_are_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["describe", "no-such-method", "--paper"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown method 'no-such-method'") and "cyclegan" in err


def test_describe_defaults_to_the_embedded_profile_and_paper_selects_the_paper(
        capsys: pytest.CaptureFixture[str]) -> None:
    shown = {}
    for flags in ([], ["--profile", "embedded"], ["--profile", "paper"], ["--paper"]):
        assert main(["describe", "cyclegan", "--image-size", "32", "--config", "", *flags]) == 0
        info = json.loads(capsys.readouterr().out)
        shown[" ".join(flags)] = (info["profile"], info["hparams"]["ngf"])
    ngf = {p: CycleGAN.hparams(probe_task("unpaired", 32), p)["ngf"] for p in ("paper", "embedded")}
    assert ngf["embedded"] < ngf["paper"]
    assert shown[""] == shown["--profile embedded"] == ("embedded", ngf["embedded"])
    assert shown["--profile paper"] == shown["--paper"] == ("paper", ngf["paper"])
