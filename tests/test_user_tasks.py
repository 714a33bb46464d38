"""Your own tasks by YAML: a folder in each of the three layouts trains and scores with no code; bad declarations
stop with one line naming the file, the task and the field."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from bench.cli import main
from bench.data.tasks import get_task
from bench.data.user_tasks import TASKS_ENV, read_tasks_file, register_tasks_file
from bench.errors import ConfigError
from bench.suite import plan
from tests.helpers import write_cyclegan_folder, write_multidomain_folder, write_pix2pix_folder

REPO = Path(__file__).resolve().parents[1]
TASKS = [
    {"name": "my_facades", "setting": "paired", "layout": "pix2pix", "path": "facades", "domains": ["label", "photo"],
     "image_size": 32, "load_size": 36, "swap_ab": True, "flip": True},
    {"name": "my_zebras", "setting": "unpaired", "path": "zebras", "domains": ["horse", "zebra"], "image_size": 32},
    {"name": "my_animals", "setting": "multidomain", "layout": "multidomain", "path": "animals",
     "domains": ["cat", "dog", "wild"], "image_size": 32},
]
METHODS = {"my_facades": "pix2pix", "my_zebras": "cyclegan", "my_animals": "stargan"}


@pytest.fixture(scope="module")
def tasks_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("my_data")
    write_pix2pix_folder(root / "facades", n=4, size=36)  # 32 px: the least LPIPS's AlexNet takes
    write_cyclegan_folder(root / "zebras", n=4, size=36)
    write_multidomain_folder(root / "animals", ("cat", "dog", "wild"), n=4, size=36)
    path = root / "tasks.yaml"
    path.write_text(yaml.safe_dump({"tasks": TASKS}))
    return path


def _write(tmp_path: Path, entry: dict) -> Path:
    path = tmp_path / "tasks.yaml"
    path.write_text(yaml.safe_dump({"tasks": [entry]}))
    return path


@pytest.mark.parametrize("task", list(METHODS))
def test_a_declared_task_in_each_layout_trains_and_scores_with_no_code(
        task: str, tasks_file: Path, random_inception: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import torchvision

    monkeypatch.setenv(TASKS_ENV, str(tasks_file))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))  # LPIPS's AlexNet, random (nothing downloads here)
    (tmp_path / "torch" / "hub" / "checkpoints").mkdir(parents=True)
    torch.manual_seed(0)
    torch.save(torchvision.models.alexnet().state_dict(), tmp_path / "torch/hub/checkpoints/alexnet-owt-7be5be79.pth")
    run = tmp_path / "run"
    assert main(["train", "--task", task, "--method", METHODS[task], "--profile", "embedded", "--steps", "2",
                 "--out", str(run), "--threads", "1", "--quiet"]) == 0
    assert main(["evaluate", "--run", str(run), "--translate", "--translations", str(run / "translations.pt"),
                 "--out", str(run / "metrics.json"), "--inception-weights", str(random_inception), "--k", "2",
                 "--n", "2", "--cache", str(tmp_path / "cache"), "--threads", "1", "--quiet"]) == 0
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["task"] == task and metrics["protocol"]["backbone"] == "inception-v3-compat"
    assert all(math.isfinite(row["metrics"]["fid"]) for row in metrics["rows"])
    assert get_task(task).suite == "user"


def test_fields_reach_the_task_and_relative_paths_follow_the_file(tasks_file: Path) -> None:
    facades, zebras, animals = read_tasks_file(tasks_file)
    assert (facades.setting, facades.domains, facades.image_size, facades.load_size) == ("paired", ("label", "photo"),
                                                                                        32, 36)
    assert facades.swap_ab and facades.flip and not zebras.flip and not zebras.labels
    assert Path(facades.path) == tasks_file.parent / "facades"
    assert animals.directions[0] == (0, 1) and len(animals.directions) == 6


def test_tasks_lists_a_declared_task(tasks_file: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "bench", "tasks"], capture_output=True, text=True, cwd=REPO,
                         env={**_env(), TASKS_ENV: str(tasks_file)}, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = {line.split()[0]: line for line in out.stdout.splitlines() if line.strip()}
    assert {"my_facades", "my_zebras", "my_animals"} <= set(lines) and "user" in lines["my_zebras"]


def test_a_suite_config_plans_jobs_on_declared_tasks(tasks_file: Path) -> None:
    jobs = plan({"suite": "paper", "profile": "embedded", "tasks": ["my_zebras", "my_animals"],
                 "tasks_file": str(tasks_file), "methods": ["cyclegan", "stargan"], "seeds": [0],
                 "method_settings": {"default": {"steps": 3}}})
    assert {(j.task, j.method) for j in jobs} == {("my_zebras", "cyclegan"), ("my_animals", "stargan")}


@pytest.mark.parametrize("change, message", [
    ({"image_size": 18}, r"tasks\[0\]\.image_size: 18 is not a multiple of 4"),
    ({"setting": "pairs"}, r"tasks\[0\]\.setting: 'pairs' is not one of"),
    ({"name": "my zebras"}, r"tasks\[0\]\.name: 'my zebras' does not match"),
    ({"colour": "red"}, r"tasks\[0\]: Additional properties are not allowed \('colour' was unexpected\)"),
    ({"layout": "pix2pix"}, r"task 'my_zebras': layout 'pix2pix' does not hold a unpaired task"),
    ({"domains": ["horse", "zebra", "donkey"]}, r"task 'my_zebras': domains: a unpaired task has exactly two"),
    ({"swap_ab": True}, r"task 'my_zebras': swap_ab applies to paired tasks only"),
    ({"url": "https://example.org/z.zip"}, r"task 'my_zebras': give either path .* or url .*, not both"),
    ({"url": "https://example.org/z.rar"}, r"tasks\[0\]\.url: 'https://example.org/z.rar' does not match"),
    ({"sha256": "0" * 64}, r"task 'my_zebras': sha256 checks a downloaded archive; the task has no url"),
])
def test_a_bad_declaration_names_the_file_task_and_field(change: dict, message: str, tmp_path: Path) -> None:
    path = _write(tmp_path, {**TASKS[1], **change})
    with pytest.raises(ConfigError, match=message) as err:
        read_tasks_file(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_a_name_of_a_registered_task_and_a_missing_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"task 'hand2mnistm': the name of a registered task"):
        register_tasks_file(_write(tmp_path, {**TASKS[1], "name": "hand2mnistm"}))
    register_tasks_file(_write(tmp_path, {**TASKS[1], "name": "nowhere_task", "path": "nowhere"}))
    assert main(["train", "--task", "nowhere_task", "--method", "identity", "--out", str(tmp_path / "r")]) == 2


def test_the_readme_example_is_a_valid_tasks_file(tmp_path: Path) -> None:
    block = (REPO / "README.md").read_text().split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "tasks.yaml"
    path.write_text(block)
    assert [t.setting for t in read_tasks_file(path)] == ["paired", "unpaired", "multidomain"]


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if k != TASKS_ENV}


def test_the_workflow_takes_a_declared_folder_as_it_is(tasks_file: Path, tmp_path: Path) -> None:
    """A declared folder is the train job's input as it stands: no fetch job for it."""
    config = tmp_path / "suite.yaml"
    config.write_text(yaml.safe_dump({"suite": "paper", "profile": "embedded", "tasks": ["my_zebras"],
                                      "tasks_file": str(tasks_file), "methods": ["cyclegan"], "seeds": [0],
                                      "method_settings": {"cyclegan": {"steps": 2}}}))
    out = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory",
                          str(tmp_path), "-n", "--configfile", str(config), "-p", "results/leaderboard.csv"],
                         capture_output=True, text=True, env=_env(), timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    rules = re.findall(r"^rule (\w+):", out.stdout, re.M)
    assert "train" in rules and "fetch" not in rules
