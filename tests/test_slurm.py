"""The SLURM profile against a real Slurm: a tiny suite run through ``snakemake --profile workflows/profiles/slurm``
to a leaderboard on a one-node cluster (tests/slurm_cluster.py), every job through sbatch. The run starts with the
test session (the ``slurm_run`` fixture in conftest.py); this test waits for it and checks what it did.

Skipped, with the reason, where the machine has no Slurm (``apt-get install slurm-wlm munge``), no executor plugin
(``pip install -e '.[test]'`` brings it), no root to start the daemons, or a Slurm configuration of its own.
"""

from __future__ import annotations

import re
import subprocess

import pandas as pd
import pytest

from tests.slurm_cluster import SlurmRun, why_not

WHY_NOT = why_not()
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")


def test_a_tiny_suite_runs_through_the_slurm_profile_to_a_leaderboard(slurm_run: SlurmRun) -> None:
    output = slurm_run.finish()
    assert slurm_run.process.returncode == 0, output[-4000:]
    board = pd.read_csv(slurm_run.workdir / "results" / "leaderboard.csv")
    assert "cyclegan" in set(board["method"])
    submitted = re.findall(r"has been submitted with SLURM jobid (\d+)", output)
    assert len(submitted) == 5, "data, floor, training, evaluation and publishing, each through sbatch"
    assert "localrule" not in output  # nothing ran outside the cluster
    print(f"{len(submitted)} jobs through sbatch on a one-node Slurm "
          f"({subprocess.run(['sinfo', '--version'], capture_output=True, text=True).stdout.strip()})")
