"""Shared definitions: folders, the validated job plan from the config, and helpers for rule parameters."""

import json
import os
import shlex

from snakemake.exceptions import WorkflowError

from bench.data.tasks import get_task
from bench.data.user_tasks import TASKS_ENV
from bench.defaults import MIRROR_ENV
from bench.errors import BenchError
from bench.suite import plan

DATA = config.get("data_root", "resources/data")
RUNS = config.get("runs_dir", "runs")
RESULTS = config.get("results_dir", "results")
LOGS = config.get("logs_dir", "logs")
CACHE = config.get("cache_dir", "resources/cache")
IMAGE_SIZE = config.get("image_size")
METRICS = {"k": 10, "n": 100, "pairs": "all", "kid_subsets": 100, **(config.get("metrics") or {})}
THREADS = {"train": 1, "evaluate": 1, "evalnet": 1, **(config.get("threads") or {})}
GPU = 1 if config.get("gpu", False) else 0
CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
# The digits suite scores with the pinned evaluation network shipped in bench/ unless the config names a
# retrained one (evalnet.path), which the evalnet rule then trains.
EVALNET = (config.get("evalnet") or {}).get("path")

if config.get("tasks_file"):  # the jobs' `python -m bench` verbs read the user's tasks from here
    os.environ[TASKS_ENV] = os.path.abspath(config["tasks_file"])
if config.get("dataset_mirror"):  # and fetch the standard archives from this mirror (same checksums)
    os.environ[MIRROR_ENV] = config["dataset_mirror"]
try:
    JOBS = plan(config)
except BenchError as err:
    raise WorkflowError(f"invalid config: {err}")

JOB = {job.run: job for job in JOBS}
TASKS = list(dict.fromkeys(job.task for job in JOBS))
BOARD_TASK = {}
for _task in TASKS:
    BOARD_TASK.setdefault(get_task(_task).board, _task)
BOARDS = list(BOARD_TASK)



def claim(kind):
    """Cores a job takes from --cores: its torch threads, or --cores ÷ this machine's CPUs where that is more.

    A local run thus starts at most one job per CPU: eight single-thread trainings on two CPUs got through 13%
    less work per second than two at a time (measured on the 2-core development machine).
    """
    try:
        cores = workflow.cores if isinstance(workflow.cores, int) else CPUS
    except WorkflowError:  # no --cores: modes that schedule nothing (--report, --lint) need no claim
        return THREADS[kind]
    return max(THREADS[kind], cores // CPUS)


LEADERBOARD = f"{RESULTS}/leaderboard.csv"
REPORT = f"{RESULTS}/report.html"


wildcard_constraints:
    task=r"[A-Za-z0-9_]+",
    method=r"[A-Za-z0-9_\-]+",
    seed=r"\d+",
    board=r"[A-Za-z0-9_]+",


def run_dir(w):
    return f"{RUNS}/{w.task}/{w.method}/seed{w.seed}"


def job_of(w):
    return JOB[f"{w.task}/{w.method}/seed{w.seed}"]


def set_args(w):
    """The job's hyper-parameter overrides as `--set key=value` arguments (values in JSON, which YAML reads)."""
    return " ".join(f"--set {shlex.quote(f'{k}={json.dumps(v)}')}" for k, v in job_of(w).hparams.items())


def numerics_args():
    """The config's GPU speed switches as `bench train` flags (each is recorded in the run and its metrics)."""
    n = {"tf32": False, "autocast": "off", "channels_last": False, "cudnn_benchmark": True,
         **(config.get("numerics") or {})}
    return " ".join(filter(None, ["--tf32" if n["tf32"] else "",
                                  f"--autocast {n['autocast']}" if n["autocast"] != "off" else "",
                                  "--channels-last" if n["channels_last"] else "",
                                  "" if n["cudnn_benchmark"] else "--no-cudnn-benchmark"]))


def data_args():
    """The config's data loading as `bench train` flags, where it differs from the defaults (it changes no batch)."""
    d = {"stream": "auto", "workers": 0, **(config.get("data") or {})}
    return " ".join(filter(None, [f"--stream {d['stream']}" if d["stream"] != "auto" else "",
                                  f"--data-workers {d['workers']}" if d["workers"] else ""]))


def image_arg():
    return f"--image-size {IMAGE_SIZE}" if IMAGE_SIZE else ""


def evalnet_arg():
    return f"--evalnet {EVALNET}" if config["suite"] == "digits" and EVALNET else ""


def metric_weights_arg():
    weights = config.get("inception_weights")
    return f"--inception-weights {shlex.quote(weights)}" if weights else ""


def task_data(task):
    """The file or folder that proves a task's data is in place."""
    t = get_task(task)
    if t.suite == "digits":
        return f"{DATA}/{t.path}/manifest.json"
    return f"{DATA}/{t.dataset}" if t.dataset else str(t.root(DATA))  # a user's folder is there already


def board_of(w):
    return get_task(w.task).board


def run_files(name):
    return [f"{RUNS}/{job.run}/{name}" for job in JOBS]
