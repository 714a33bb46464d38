"""benchmarks/rank_stability.py's account of where a run's time went (from the workflow's benchmark files) and its
FID ρ within each board."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from rank_stability import board_line, compare, compare_by_board, job_seconds, time_line, time_spent  # noqa: E402

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def write_benchmark(logs: Path, relative: str, seconds: float) -> None:
    path = logs / "benchmarks" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"{seconds:.2f}\t0:00:01\t1\t1\t1\t1\t0\t0\t90\t{seconds * 0.9:.2f}\n")


def test_job_time_is_summed_by_rule_and_method(tmp_path: Path) -> None:
    for relative, seconds in [("train/t/cut/seed0.tsv", 100.0), ("train/t/cut/seed1.tsv", 120.0),
                              ("evaluate/t/cut/seed0.tsv", 10.0), ("train/t/identity/seed0.tsv", 5.0),
                              ("data/digits.tsv", 20.0), ("floor/t.tsv", 3.0), ("publish.tsv", 2.0)]:
        write_benchmark(tmp_path, relative, seconds)
    spent = time_spent(job_seconds(tmp_path), wall=130.0)
    assert spent["job_s"] == 260.0
    assert spent["job_s_by_rule"] == {"train": 225.0, "data": 20.0, "evaluate": 10.0, "floor": 3.0, "publish": 2.0}
    assert list(spent["job_s_by_method"].items()) == [("cut", 230.0), ("identity", 5.0)]
    assert spent["jobs_at_once"] == pytest.approx(2.0)
    assert time_line(spent) == ("job time 260 s, 2.0 jobs at once on average; by rule: train 225, data 20, "
                                "evaluate 10, floor 3, publish 2; by method: cut 230, identity 5")


def test_a_run_without_benchmark_files_spent_nothing(tmp_path: Path) -> None:
    spent = time_spent(job_seconds(tmp_path), wall=10.0)
    assert spent["job_s"] == 0.0 and spent["job_s_by_method"] == {} and spent["jobs_at_once"] == 0.0


def board(rows: dict[tuple[str, str], float]) -> pd.DataFrame:
    index = pd.MultiIndex.from_tuples(list(rows), names=["board", "method"])
    return pd.DataFrame({"fid_mean": list(rows.values())}, index=index)


def test_rho_within_boards_ranks_each_board_alone() -> None:
    a = board({("t", "m1"): 10.0, ("t", "m2"): 20.0, ("t", "m3"): 30.0, ("t", "m4"): 40.0, ("u", "identity"): 90.0})
    b = board({("t", "m1"): 20.0, ("t", "m2"): 10.0, ("t", "m3"): 40.0, ("t", "m4"): 30.0, ("u", "identity"): 95.0})
    pooled, rows = compare(a, b, "fid")
    by_board = compare_by_board(a, b, "fid")
    assert rows == 5 and pooled == pytest.approx(0.8)  # the lone row of board u agrees and lifts the pooled ρ
    assert by_board == {"t": {"rho": pytest.approx(0.6), "rows": 4}, "u": {"rho": None, "rows": 1}}
    assert board_line(by_board) == "FID ρ within each board: t 0.600 over 4 rows; u none (1 row)"
