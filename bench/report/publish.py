"""From metrics files to everything a reader opens: leaderboard CSV and markdown, plots, sample grids, report."""

from __future__ import annotations

from pathlib import Path

from bench.report import plots
from bench.report.aggregate import (leaderboard, per_direction_table, per_seed_table, read_results,
                                    write_leaderboard)
from bench.report.grids import task_samples
from bench.report.html import write_report


def publish(metric_files: list[Path], floor_files: list[Path], out: Path, data_root: str | Path | None = None,
            image_size: int | None = None, label: str = "") -> dict[str, Path]:
    """Write leaderboard.csv/.md, plots/*.png and report.html under ``out``; return what was written."""
    metrics, floors = read_results(metric_files), read_results(floor_files)
    per_seed = per_seed_table(metrics, floors)
    board = leaderboard(per_seed)
    written = {"csv": out / "leaderboard.csv", "md": out / "leaderboard.md"}
    write_leaderboard(board, written["csv"], written["md"], label)
    plot_dir = out / "plots"
    plot_list: list[tuple[str, Path]] = []
    sample_list: list[tuple[str, Path]] = []
    tasks = list(dict.fromkeys(per_seed["task"]))
    for task in tasks:
        plot_list.append((f"{task}: FID and KID", plots.fid_kid_bars(per_seed, task, plot_dir / f"fid_kid_{task}.png")))
        plot_list.append((f"{task}: training losses",
                          plots.loss_curves(per_seed, task, plot_dir / f"losses_{task}.png")))
        runs = per_seed[(per_seed["task"] == task) & (per_seed["run"] != "")].sort_values("seed")
        runs = runs.drop_duplicates("method")
        translated = [(r["method"], Path(r["run"]) / "translations.pt", r["mode"]) for _, r in runs.iterrows()
                      if r["mode"] and (Path(r["run"]) / "translations.pt").is_file()]
        if translated:
            path = plot_dir / f"samples_{task}.png"
            task_samples(task, translated, path, data_root, image_size)
            sample_list.append((f"{task}: test translations, a row per method", path))
    for board_name in dict.fromkeys(per_seed["board"]):
        plot_list.append((f"test set {board_name}: FID rank per seed",
                          plots.rank_per_seed(per_seed, board_name, plot_dir / f"rank_per_seed_{board_name}.png")))
    plot_list.append(("accuracies", plots.accuracy_bars(per_seed, plot_dir / "accuracy.png")))
    plot_list.append(("FID vs LPIPS diversity", plots.fid_vs_diversity(board, plot_dir / "fid_vs_diversity.png")))
    protocols = {}
    for result in [*metrics.values(), *floors.values()]:
        p = result["protocol"]
        protocols.setdefault(result["board"], (
            f"backbone {p['backbone']} ({p['backbone_weights']}, sha256 {p['backbone_sha256'][:12]}…), "
            f"layer {p['feature_layer']}, resize {p['resize']}, {p['image_size']} px, real = {p['real_split']} split "
            f"({p['n_real']} images), KID subsets {p['kid_subsets']}×{p['kid_subset_size']}, LPIPS {p['lpips']}, "
            f"hash {p['hash']}"))
    written["report"] = out / "report.html"
    write_report(board, per_direction_table(metrics), plot_list, sample_list, protocols, written["report"], label)
    written["plots"] = plot_dir
    return written
