"""The SLURM profile against a real Slurm: a one-node cluster on 127.0.0.1 (munge, slurmctld, slurmd from the
distribution's packages, state in a temporary folder, the configuration at /etc/slurm/slurm.conf while the test
runs), and a tiny suite run through
``snakemake --profile workflows/profiles/slurm`` to a leaderboard, every job through sbatch.

Skipped, with the reason, where the machine has no Slurm (``apt-get install slurm-wlm munge``), no executor plugin
(``pip install -e '.[test]'`` brings it), no root to start the daemons, or a Slurm configuration of its own.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo")
# Job steps (srun inside a batch job) find the configuration only at its default place, not by $SLURM_CONF.
SYSTEM_CONF = Path("/etc/slurm/slurm.conf")


def _why_not() -> str | None:
    missing = [d for d in DAEMONS if shutil.which(d) is None]
    if missing:
        return f"no Slurm here ({', '.join(missing)} missing): apt-get install slurm-wlm munge"
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return "no snakemake-executor-plugin-slurm: pip install -e '.[test]'"
    if os.geteuid() != 0:
        return "the one-node cluster's daemons run as root; this test is not root"
    if SYSTEM_CONF.exists():
        return f"{SYSTEM_CONF} exists: this machine has a Slurm of its own, which the test does not touch"
    return None


pytestmark = pytest.mark.skipif(_why_not() is not None, reason=_why_not() or "")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _slurm_conf(root: Path, host: str) -> str:
    return "\n".join([
        "ClusterName=i2itest", f"SlurmctldHost={host}(127.0.0.1)", "AuthType=auth/munge", "CredType=cred/munge",
        f"AuthInfo=socket={root}/munge.socket", "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none",
        "SelectType=select/cons_tres", "SlurmUser=root", "SlurmdUser=root", f"StateSaveLocation={root}/state",
        f"SlurmdSpoolDir={root}/spool", f"SlurmctldPidFile={root}/slurmctld.pid", f"SlurmdPidFile={root}/slurmd.pid",
        f"SlurmctldLogFile={root}/slurmctld.log", f"SlurmdLogFile={root}/slurmd.log",
        f"SlurmctldPort={_free_port()}", f"SlurmdPort={_free_port()}", "AccountingStorageType=accounting_storage/none",
        "JobAcctGatherType=jobacct_gather/none", "MinJobAge=3600", "ReturnToService=2",
        f"NodeName={host} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} RealMemory=16000",
        "PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP", ""])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """munged, slurmctld and slurmd on 127.0.0.1, configured in a temporary folder; the environment to use them."""
    root = tmp_path_factory.mktemp("slurm")
    for sub in ("state", "spool"):
        (root / sub).mkdir()
    key = root / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    (root / "slurm.conf").write_text(_slurm_conf(root, socket.gethostname().split(".")[0]))
    SYSTEM_CONF.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(root / "slurm.conf", SYSTEM_CONF)
    env = {**os.environ, "SLURM_CONF": str(SYSTEM_CONF)}
    try:
        subprocess.run(["munged", "-f", f"--key-file={key}", "-S", str(root / "munge.socket"),
                        f"--pid-file={root}/munged.pid", f"--log-file={root}/munged.log",
                        f"--seed-file={root}/seed"], check=True, env=env, timeout=30)
        subprocess.run(["slurmctld", "-f", str(SYSTEM_CONF)], check=True, env=env, timeout=30)
        subprocess.run(["slurmd", "-f", str(SYSTEM_CONF)], check=True, env=env, timeout=30)
        deadline = time.time() + 60
        while "idle" not in subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True,
                                           env=env).stdout:
            if time.time() > deadline:
                pytest.fail("the one-node Slurm did not come up: " + (root / "slurmctld.log").read_text()[-2000:])
            time.sleep(1)
        yield env
    finally:
        for name in ("slurmd", "slurmctld", "munged"):
            pid = root / f"{name}.pid"
            if pid.is_file():
                try:
                    os.kill(int(pid.read_text().split()[0]), signal.SIGTERM)
                except (ProcessLookupError, ValueError):
                    pass
        SYSTEM_CONF.unlink(missing_ok=True)


def test_a_tiny_suite_runs_through_the_slurm_profile_to_a_leaderboard(cluster: dict[str, str],
                                                                       tmp_path: Path) -> None:
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    # one method: its training and the floor are the two jobs of the second level, one per CPU of the node
    config.update({"digits": {"seed": 0, "size": 16, "test_fraction": 0.2, "train_per_digit": 2, "test_per_digit": 1,
                              "max_sources": 100},
                   "tasks": ["hand2mnistm"], "image_size": 16, "methods": ["cyclegan"],
                   "exclude_methods": [], "metrics": {"k": 2, "n": 4, "pairs": "all", "kid_subsets": 2},
                   "method_settings": {"cyclegan": {"steps": 2, "hparams": {"ngf": 4, "ndf": 4, "n_blocks": 1}}}})
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(config))
    partitions = [f"{rule}:slurm_partition=main" for rule in ("train", "evaluate", "floor")]
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(tmp_path),
         "--profile", str(REPO / "workflows" / "profiles" / "slurm"), "--jobs", "4",
         # first status check after 7 s, not 40 (the plugin then waits 10 s longer after each check finding none done)
         "--slurm-init-seconds-before-status-checks", "7", "--seconds-between-status-checks", "2",
         "--default-resources", "slurm_partition=main", "slurm_account=test", "runtime=10", "mem_mb=2000",
         "--set-resources", *partitions, "--set-threads", "train=1", "evaluate=1", "floor=1",  # a 2-CPU node
         "--configfile", str(tmp_path / "tiny.yaml"), "--", "results/leaderboard.csv"],
        capture_output=True, text=True, timeout=600, env=cluster, cwd=REPO)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    board = pd.read_csv(tmp_path / "results" / "leaderboard.csv")
    assert "cyclegan" in set(board["method"])
    output = result.stdout + result.stderr
    submitted = re.findall(r"has been submitted with SLURM jobid (\d+)", output)
    assert len(submitted) == 5, "data, floor, training, evaluation and publishing, each through sbatch"
    assert "localrule" not in output  # nothing ran outside the cluster
    print(f"{len(submitted)} jobs through sbatch on a one-node Slurm "
          f"({subprocess.run(['sinfo', '--version'], capture_output=True, text=True).stdout.strip()})")
