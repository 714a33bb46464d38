"""Rank stability of a suite profile: run it with two disjoint seed sets and compare the two rankings.

The workflow runs once over the union of the seed sets (so both share the data and real-side statistics, and the
cores stay busy), writing its own runs/ and results/ under ``--out``; then each seed set gets its own board from
its runs' metrics, and the script prints Spearman's ρ between the two boards' FID rankings (and content-accuracy
rankings), each row's mean ± sd in both sets, the wall time and the machine. One row per (board, method, mode);
a method that trains on two tasks of one board (identity) counts once. It also prints the ρ to expect from the
rows' means and seed-to-seed sds (simulated) at their spreads and at 0.8, 0.6 and 0.5 of them: how much the
spreads must shrink for the ranking to hold. It gives the FID ρ within each board too (the headline ρ pools them),
and where the time went, from the workflow's own benchmark files: each rule's job time, each method's (training and
scoring), and how many jobs ran at once on average.

    python benchmarks/rank_stability.py --profile embedded-full [--sets 0,1 2,3] [--cores 8] [--out rank-stability]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml
from scipy.stats import spearmanr

from bench.metrics.evaluate import FLOOR
from bench.report.aggregate import leaderboard, per_seed_table, read_results
from bench.report.plots import rank_per_seed
from bench.report.stability import TARGET_RHO, expected_spearman
from bench.runtime import describe_machine

REPO = Path(__file__).resolve().parents[1]
PROFILES = {"default": "config/config.yaml", "embedded": "config/config.yaml",
            "embedded-full": "config/embedded-full.yaml"}


def seed_sets(text: list[str]) -> list[list[int]]:
    sets = [[int(s) for s in part.split(",")] for part in text]
    if len(sets) != 2 or set(sets[0]) & set(sets[1]):
        raise SystemExit(f"--sets: give two disjoint comma-separated seed sets, e.g. 0,1 2,3; got {text}")
    return sets


def run_workflow(config: dict, out: Path, cores: int, dry_run: bool = False) -> float:
    """Run the suite under ``out`` (or only plan it: ``dry_run``); return its wall time in seconds."""
    out.mkdir(parents=True, exist_ok=True)
    config = {**config, "runs_dir": str(out / "runs"), "results_dir": str(out / "results"),
              "logs_dir": str(out / "logs")}
    path = out / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(REPO),
                    "--configfile", str(path.resolve()), "--cores", str(cores), "--rerun-incomplete", "--keep-going",
                    *(["--dry-run"] if dry_run else []),
                    str(out.resolve() / "results" / "leaderboard.csv")], check=True)
    return time.perf_counter() - started


def board_of(per_seed: pd.DataFrame, seeds: list[int]) -> pd.DataFrame:
    """The leaderboard of ``seeds`` alone, one row per (board, method), floor left out."""
    rows = per_seed[per_seed["seed"].isin(seeds) & (per_seed["method"] != FLOOR)]
    board = leaderboard(rows)
    return board.drop_duplicates(["board", "method"]).set_index(["board", "method"])


def compare(a: pd.DataFrame, b: pd.DataFrame, metric: str) -> tuple[float, int]:
    both = pd.concat([a[f"{metric}_mean"], b[f"{metric}_mean"]], axis=1, keys=["a", "b"]).dropna()
    rho = spearmanr(both["a"], both["b"]).statistic if len(both) > 2 else float("nan")
    return float(rho), len(both)


def compare_by_board(a: pd.DataFrame, b: pd.DataFrame, metric: str) -> dict[str, dict]:
    """``compare`` within each board alone (ρ None where ``compare`` has none): rows of one test set ranked only
    against each other, where the pooled ρ also ranks different boards' rows together and counts a board's lone row
    as agreeing."""
    boards = sorted(set(a.index.get_level_values("board")) & set(b.index.get_level_values("board")))
    by_board = {}
    for board in boards:
        rho, rows = compare(a.xs(board, drop_level=False), b.xs(board, drop_level=False), metric)
        by_board[board] = {"rho": None if math.isnan(rho) else rho, "rows": rows}
    return by_board


def board_line(by_board: dict[str, dict]) -> str:
    """One line of ``compare_by_board``."""
    parts = [f"{board} {r['rho']:.3f} over {r['rows']} rows" if r["rho"] is not None
             else f"{board} none ({r['rows']} row{'s' * (r['rows'] != 1)})" for board, r in by_board.items()]
    return "FID ρ within each board: " + "; ".join(parts)


def job_seconds(logs: Path) -> pd.DataFrame:
    """Wall seconds of every job (rule, method: None outside train and evaluate) from Snakemake's benchmark files
    (``logs/benchmarks/<rule>[/<task>/<method>/seed<n>].tsv``, first column ``s``)."""
    rows = []
    for tsv in sorted((logs / "benchmarks").rglob("*.tsv")):
        parts = tsv.relative_to(logs / "benchmarks").parts
        rule = parts[0].removesuffix(".tsv")
        method = parts[2] if rule in ("train", "evaluate") and len(parts) == 4 else None
        rows.append({"rule": rule, "method": method, "s": float(pd.read_csv(tsv, sep="\t")["s"].iloc[0])})
    return pd.DataFrame(rows, columns=["rule", "method", "s"])


def time_spent(jobs: pd.DataFrame, wall: float) -> dict:
    """Job seconds by rule and by method, largest first, and the mean number of jobs running at once."""
    by = {key: jobs.groupby(key)["s"].sum().sort_values(ascending=False).round(1).to_dict()
          for key in ("rule", "method")}
    total = float(jobs["s"].sum())
    return {"job_s": round(total, 1), "job_s_by_rule": by["rule"], "job_s_by_method": by["method"],
            "jobs_at_once": round(total / wall, 2) if wall > 0 else None}


def time_line(spent: dict) -> str:
    """One line of ``time_spent``: the total, the mean jobs at once, then each rule's and each method's seconds."""
    return (f"job time {spent['job_s']:,.0f} s, {spent['jobs_at_once']} jobs at once on average; by rule: "
            + ", ".join(f"{rule} {s:,.0f}" for rule, s in spent["job_s_by_rule"].items()) + "; by method: "
            + ", ".join(f"{method} {s:,.0f}" for method, s in spent["job_s_by_method"].items()))


SPREAD_SCALES = (1.0, 0.8, 0.6, 0.5)


def expected_stability(board: pd.DataFrame, seeds_per_set: int) -> dict[str, tuple[float, float]]:
    """Simulated FID-rank ρ (mean, share of draws ≥ the target) from every row's mean and sd over all seeds, at
    its spreads and at smaller ones: how far the seed-to-seed spreads must shrink for the ranking to hold."""
    rows = board[["fid_mean", "fid_std"]].dropna(subset=["fid_mean"]).fillna(0.0)
    return {f"{scale:g}": expected_spearman(rows["fid_mean"].to_numpy(), rows["fid_std"].to_numpy() * scale,
                                            seeds_per_set) for scale in SPREAD_SCALES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="embedded-full", choices=sorted(PROFILES))
    parser.add_argument("--sets", nargs=2, default=["0,1", "2,3"], help="two disjoint seed sets (default 0,1 2,3)")
    parser.add_argument("--cores", type=int, default=8)
    parser.add_argument("--out", default="rank-stability", help="folder for the runs, boards and summary")
    parser.add_argument("--dry-run", action="store_true", help="only show the jobs the run would start")
    args = parser.parse_args()
    sets = seed_sets(args.sets)
    out = Path(args.out).resolve() / args.profile
    config = yaml.safe_load((REPO / PROFILES[args.profile]).read_text())
    config["seeds"] = sorted(sets[0] + sets[1])
    wall = run_workflow(config, out, args.cores, args.dry_run)
    if args.dry_run:
        return
    metrics = sorted((out / "runs").glob("*/*/seed*/metrics.json"))
    per_seed = per_seed_table(read_results(metrics), {})
    boards = [board_of(per_seed, s) for s in sets]
    rho_fid, n_fid = compare(*boards, "fid")
    rho_acc, n_acc = compare(*boards, "content_acc")
    by_board = compare_by_board(*boards, "fid")
    table = pd.concat([b[["fid_mean", "fid_std", "content_acc_mean"]] for b in boards], axis=1,
                      keys=[f"seeds {s}" for s in args.sets]).sort_values((f"seeds {args.sets[0]}", "fid_mean"))
    for board in sorted(set(per_seed["board"])):
        rank_per_seed(per_seed, board, out / f"rank_per_seed_{board}.png")
    print(table.round(3).to_string())
    expected = expected_stability(board_of(per_seed, sets[0] + sets[1]), min(len(s) for s in sets))
    spent = time_spent(job_seconds(out / "logs"), wall)
    summary = {"profile": args.profile, "seed_sets": sets, "spearman_fid": rho_fid, "rows_fid": n_fid,
               "spearman_content_acc": rho_acc, "rows_content_acc": n_acc, "spearman_fid_by_board": by_board,
               "expected_fid_by_spread": expected, "wall_s": wall, **spent, "machine": describe_machine(),
               "date": time.strftime("%Y-%m-%d")}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nprofile {args.profile}: Spearman ρ of the FID ranking {rho_fid:.3f} over {n_fid} rows, "
          f"of content accuracy {rho_acc:.3f} over {n_acc} rows; workflow wall time {wall / 60:.1f} min on "
          f"{summary['machine']} ({summary['date']})")
    print(board_line(by_board))
    print(time_line(spent))
    for scale, (rho, share) in expected.items():
        print(f"expected from the rows' means and sds over all seeds, spreads ×{scale}: ρ {rho:.3f}, "
              f"ρ ≥ {TARGET_RHO} in {share:.0%} of draws")


if __name__ == "__main__":
    main()
