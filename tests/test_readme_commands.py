"""Every shell command the README shows runs as written.

Commands come from the README's ```bash blocks and its inline code that starts a command. Set-up commands (venv,
pip) are the ones `.ci/run` runs, so CI runs them as written; commands that would train run in their dry-run form
(`bench train` / `bench evalnet --dry-run`, `snakemake -n`, `rank_stability.py --dry-run`), step-time benchmarks and
the digits build at a smoke size; the rest run for real in a scratch folder. The `--report` command runs for real on
a tiny suite in tests/test_workflow.py.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.helpers import write_image

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
SETUP = re.compile(r"^(python3 -m venv \.venv|\. \.venv/bin/activate|pip install .+)$")
COMMAND = re.compile(r"^(snakemake |python -m bench |python -m pytest|python benchmarks/|I2IBENCH_TASKS=)")
TRAINS = {"train", "evalnet"}
WRITERS = {"data", "train", "translate", "evalnet", "evaluate"}  # verbs that write under the scratch folder


def readme_commands() -> list[str]:
    """The README's commands in order: each line (or `&&` part) of its bash blocks, then its inline ones."""
    text = README.read_text()
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line and not line.startswith("#"):
                commands += [part.strip() for part in line.split(" && ")]
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    commands += [c for c in re.findall(r"`([^`\n]+)`", prose) if COMMAND.match(c) and "<" not in c]
    return list(dict.fromkeys(commands))


def _verb(command: str) -> str:
    return shlex.split(command)[3] if command.startswith("python") else shlex.split(command)[4]


def _kind(command: str) -> str:
    if SETUP.match(command):
        return "setup"
    if command.startswith("python -m pytest"):
        return "pytest"
    if command.startswith("python benchmarks/"):
        return "benchmark"
    if command.startswith("snakemake "):
        return "report" if "--report" in command else "snakemake"
    if COMMAND.match(command):
        return "bench"
    return "unknown"


def test_every_readme_command_is_one_these_tests_run() -> None:
    commands = readme_commands()
    assert len(commands) > 20
    assert [c for c in commands if _kind(c) == "unknown"] == []
    assert "snakemake --cores 8 results/leaderboard.csv" in commands


def test_the_setup_commands_are_the_ones_ci_runs() -> None:
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), re.S)
    main, tests = blocks[0].strip(), blocks[1].strip()
    assert main.endswith("&& snakemake --cores 8 results/leaderboard.csv") and tests.endswith("&& python -m pytest")
    assert tests in (REPO / ".ci" / "run").read_text().splitlines()  # CI runs the test command as written
    assert main.split(" && ")[:3] == tests.split(" && ")[:3]  # the same venv and torch


def _run(command: str, cwd: Path, env: dict, timeout: int = 600) -> subprocess.CompletedProcess:
    args = shlex.split(command)
    while "=" in args[0]:  # VAR=value prefixes
        key, value = args.pop(0).split("=", 1)
        env = {**env, key: value}
    if args[0] == "python":
        args[0] = sys.executable
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture()
def torch_home(tmp_path: Path, random_inception: Path) -> Path:
    """A torch hub cache with torch-fidelity's Inception file name (random weights: nothing is downloaded)."""
    checkpoints = tmp_path / "torch_home" / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    shutil.copy(random_inception, checkpoints / "weights-inception-2015-12-05-6726825d.pth")
    return tmp_path / "torch_home"


def test_the_bench_commands_run_as_written(tmp_path: Path, torch_home: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "my_tasks.yaml").write_text(
        "tasks:\n  - {name: my_pairs, setting: paired, path: pairs, domains: [a, b], image_size: 16}\n")
    for folder in ("my_outputs", "real_images"):
        for i in range(12):
            write_image(work / folder / f"{i}.png", (32, 32), i + len(folder))
    with zipfile.ZipFile(work / "afhq.zip", "w") as zf:  # the archive a user fetched for AFHQ, in its layout
        for split in ("train", "val"):
            for domain in ("cat", "dog", "wild"):
                zf.write(write_image(tmp_path / split / domain / "0.png", (32, 32), len(domain)),
                         f"afhq/{split}/{domain}/0.png")
    env = {**os.environ, "TORCH_HOME": str(torch_home), "I2IBENCH_DATA": str(work / "resources" / "data")}
    env.pop("I2IBENCH_TASKS", None)

    def run_in_order(commands: list[str]) -> list[str]:
        verbs = []
        for command in commands:
            verb = _verb(command)
            if verb in TRAINS:
                command += " --dry-run"
            if command.startswith("python -m bench data digits"):  # at a smoke size: all 1,797 sources take ~50 s
                command += " --max-sources 60"
            if verb == "translate" and not (work / "runs" / "demo" / "checkpoint.pt").is_file():
                # the run the README's train command makes, two steps long (translate and evaluate run for real on it)
                setup = next(c for c in readme_commands() if c.startswith("python -m bench train"))
                assert _run(setup + " --steps 2 --quiet", work, env).returncode == 0
            result = _run(command, work, env)
            assert result.returncode == 0, f"{command}\n{result.stderr[-2000:]}"
            if verb in TRAINS:
                assert json.loads(result.stdout)["dry_run"] is True
            verbs.append(verb)
        return verbs

    bench = [c for c in readme_commands() if _kind(c) == "bench"]
    # two lanes on the cores: the commands that write data and runs, in the README's order, beside those that only read
    with ThreadPoolExecutor(2) as pool:
        lanes = [pool.submit(run_in_order, [c for c in bench if (_verb(c) in WRITERS) == writes])
                 for writes in (True, False)]
        ran = [verb for lane in lanes for verb in lane.result()]
    assert {"tasks", "methods", "data", "train", "translate", "evalnet", "evaluate", "score", "describe",
            "datasets"} <= set(ran)
    assert json.loads((work / "runs" / "demo" / "metrics.json").read_text())["method"] == "cyclegan"


def test_the_workflow_and_benchmark_commands_plan_as_written(tmp_path: Path) -> None:
    for part in ("Snakefile", "workflows", "config"):
        (shutil.copytree if (REPO / part).is_dir() else shutil.copy)(REPO / part, tmp_path / part)
    commands = [c for c in readme_commands() if _kind(c) in ("snakemake", "benchmark")]
    assert len([c for c in commands if c.startswith("snakemake")]) >= 4

    def plan(command: str) -> subprocess.CompletedProcess:
        if command.startswith("snakemake"):
            dry = command + " -n"
        elif "rank_stability" in command:
            dry = command + f" --dry-run --out {tmp_path / 'rank'}"
        else:  # a step-time benchmark runs as written, at a smoke size (128 px takes minutes on a 2-core CPU)
            dry = command + " --size 32 --steps 1 --warmup 1"
        return _run(dry, tmp_path if command.startswith("snakemake") else REPO, dict(os.environ), timeout=900)

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:  # each plan is one process on one core
        for command, result in zip(commands, pool.map(plan, commands)):
            assert result.returncode == 0, f"{command}\n{result.stderr[-2000:]}"
