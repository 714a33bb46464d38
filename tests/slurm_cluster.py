"""A one-node Slurm on 127.0.0.1 (munge, slurmctld, slurmd from the distribution's packages, state in a temporary
folder, the configuration at /etc/slurm/slurm.conf while it runs) and the tiny suite that tests/test_slurm.py sends
through ``snakemake --profile workflows/profiles/slurm``.

The workflow is started when the test session starts (a session fixture in conftest.py) and the test collects it:
most of its two minutes are the executor waiting between status checks, which the rest of the suite fills.
"""

from __future__ import annotations

import getpass
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import yaml

REPO = Path(__file__).resolve().parents[1]
DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo")
# Job steps (srun inside a batch job) find the configuration only at its default place, not by $SLURM_CONF.
SYSTEM_CONF = Path("/etc/slurm/slurm.conf")


def why_not() -> str | None:
    """Why a one-node cluster cannot be started here, or None."""
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


@contextmanager
def one_node_cluster(root: Path) -> Iterator[dict[str, str]]:
    """munged, slurmctld and slurmd configured in ``root``; yields the environment to use them, stops them after."""
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
                raise RuntimeError("the one-node Slurm did not come up: "
                                   + (root / "slurmctld.log").read_text()[-2000:])
            time.sleep(1)
        yield env
    finally:
        if (root / "slurmctld.pid").is_file():  # a run stopped part-way leaves no job running after the daemons
            subprocess.run(["scancel", "--full", "--user", getpass.getuser()], env=env, capture_output=True, timeout=30)
            deadline = time.time() + 30
            while time.time() < deadline and subprocess.run(["squeue", "-h"], env=env, capture_output=True,
                                                            text=True).stdout.strip():
                time.sleep(1)
        for name in ("slurmd", "slurmctld", "munged"):
            pid = root / f"{name}.pid"
            if pid.is_file():
                try:
                    os.kill(int(pid.read_text().split()[0]), signal.SIGTERM)
                except (ProcessLookupError, ValueError):
                    pass
        SYSTEM_CONF.unlink(missing_ok=True)


@dataclass
class SlurmRun:
    """The tiny suite's Snakemake run on the cluster: its process and working folder."""

    process: subprocess.Popen | None
    workdir: Path
    error: str | None = None  # why it could not start

    @property
    def log(self) -> Path:
        """Snakemake's output, stdout and stderr together."""
        return self.workdir / "snakemake.out"

    def finish(self, timeout: float = 600) -> str:
        """Wait for the run to end and return its output."""
        assert self.process is not None, self.error
        self.process.wait(timeout=timeout)
        return self.log.read_text()


def start_tiny_suite(env: dict[str, str], workdir: Path) -> SlurmRun:
    """Start the tiny suite (CycleGAN and the floor on hand2mnistm at 16 px) through the SLURM profile."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    # one method: its training and the floor are the two jobs of the second level, one per CPU of the node
    config.update({"digits": {"seed": 0, "size": 16, "test_fraction": 0.2, "train_per_digit": 2, "test_per_digit": 1,
                              "max_sources": 100},
                   "tasks": ["hand2mnistm"], "image_size": 16, "methods": ["cyclegan"],
                   "exclude_methods": [], "metrics": {"k": 2, "n": 4, "pairs": "all", "kid_subsets": 2},
                   "method_settings": {"cyclegan": {"steps": 2, "hparams": {"ngf": 4, "ndf": 4, "n_blocks": 1}}}})
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(config))
    partitions = [f"{rule}:slurm_partition=main" for rule in ("train", "evaluate", "floor")]
    run = SlurmRun(None, workdir)
    with run.log.open("w") as out:
        run.process = subprocess.Popen(
            [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
             "--profile", str(REPO / "workflows" / "profiles" / "slurm"), "--jobs", "4",
             # first status check after 7 s, not 40 (the plugin then waits 10 s longer after each check finding none)
             "--slurm-init-seconds-before-status-checks", "7", "--seconds-between-status-checks", "2",
             "--default-resources", "slurm_partition=main", "slurm_account=test", "runtime=10", "mem_mb=2000",
             "--set-resources", *partitions, "--set-threads", "train=1", "evaluate=1", "floor=1",  # a 2-CPU node
             "--configfile", str(workdir / "tiny.yaml"), "--", "results/leaderboard.csv"],
            stdout=out, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO)
    return run
