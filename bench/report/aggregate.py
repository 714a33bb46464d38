"""Aggregate metrics.json files into the leaderboard: one row per (task, method), mean and std over seeds."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from bench.data.tasks import MULTI_TARGET, get_task
from bench.io import atomic_path, read_json
from bench.metrics.evaluate import FLOOR
from bench.report.published import add_published

METRICS = ("fid", "kid", "content_acc", "classifier_acc", "cluster_acc", "lpips_diversity", "psnr", "ssim", "lpips",
           "l1")
COST = ("parameters_total", "train_images_per_s", "train_wall_s", "peak_memory_mb", "translate_images_per_s")
LOWER_IS_BETTER = {"fid", "kid", "lpips", "l1"}
LABELS = {"fid": "FID", "kid": "KID", "content_acc": "content acc", "classifier_acc": "classifier acc",
          "cluster_acc": "cluster acc",
          "lpips_diversity": "LPIPS div", "psnr": "PSNR", "ssim": "SSIM", "lpips": "LPIPS", "l1": "L1",
          "parameters_total": "params", "train_wall_s": "train s", "train_images_per_s": "train img/s",
          "translate_images_per_s": "translate img/s", "peak_memory_mb": "peak MB"}


def row_label(method: str, mode: str, n_modes: int) -> str:
    """The board's name of a (method, mode) row: the method alone where it has one mode."""
    return f"{method} ({mode})" if n_modes > 1 else method


def read_results(files: list[Path]) -> dict[Path, dict]:
    """Each metrics (or floor) file's content, read once for every table and plot of a publish."""
    return {Path(path): read_json(path) for path in files}


def per_seed_table(metrics: dict[Path, dict], floors: dict[Path, dict]) -> pd.DataFrame:
    """One row per run and mode (and per task for each floor): identifiers, metrics, cost, protocol and notes."""
    rows = []
    for path, m in metrics.items():
        for entry in m["rows"]:
            rows.append({"task": m["task"], "board": m["board"],
                         "method": row_label(m["method"], entry["mode"], len(m["rows"])),
                         "method_name": m["method"], "mode": entry["mode"], "seed": m["seed"], "steps": m["steps"],
                         "setting": m["setting"], "supervision": m["supervision"],
                         "multimodal": entry["mode"] in ("latent", "reference"), "profile": m["profile"],
                         "notes": "; ".join(m["notes"]), "backbone": m["protocol"]["backbone"],
                         "protocol_hash": m["protocol"]["hash"], "run": str(path.parent),
                         **{k: entry["metrics"].get(k) for k in METRICS}, **{k: m["cost"].get(k) for k in COST}})
    tasks_by_board: dict[str, list[str]] = {}
    for row in rows:
        tasks_by_board.setdefault(row["board"], [])
        if row["task"] not in tasks_by_board[row["board"]]:
            tasks_by_board[row["board"]].append(row["task"])
    for f in floors.values():
        metrics = f["rows"][0]["metrics"]
        for task in tasks_by_board.get(f["board"], [f["task"]]):
            rows.append({"task": task, "board": f["board"], "method": f["method"], "method_name": f["method"],
                         "mode": "", "seed": f["seed"], "steps": 0, "setting": get_task(task).setting,
                         "supervision": "none", "multimodal": False, "profile": "", "notes": "",
                         "backbone": f["protocol"]["backbone"], "protocol_hash": f["protocol"]["hash"], "run": "",
                         **{k: metrics.get(k) for k in METRICS}, **{k: None for k in COST}})
    return pd.DataFrame(rows)


def per_direction_table(metrics: dict[Path, dict]) -> pd.DataFrame:
    """Multi-domain and attribute tasks: every (method, mode, source → target) with its scores, mean over seeds."""
    rows = []
    for m in metrics.values():
        if m["setting"] not in MULTI_TARGET:
            continue
        for entry in m["rows"]:
            for direction, scores in entry["directions"].items():
                rows.append({"task": m["task"], "method": row_label(m["method"], entry["mode"], len(m["rows"])),
                             "direction": direction, "seed": m["seed"], **{k: scores.get(k) for k in METRICS}})
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows)
    cols = [c for c in METRICS if frame[c].notna().any()]
    return frame.groupby(["task", "method", "direction"], sort=False)[cols].mean().reset_index()


def leaderboard(per_seed: pd.DataFrame) -> pd.DataFrame:
    """Mean and std over seeds of every metric and cost column, one row per (task, method, mode)."""
    keys = ["board", "task", "method"]
    out = []
    for (board, task, method), group in per_seed.groupby(keys, sort=False):
        first = group.iloc[0]
        hashes = sorted(set(group["protocol_hash"]))
        row = {"board": board, "task": task, "method": method, "method_name": first["method_name"],
               "mode": first["mode"], "setting": first["setting"],
               "supervision": first["supervision"], "multimodal": bool(first["multimodal"]),
               "seeds": len(group), "steps": int(first["steps"]), "profile": first["profile"],
               "backbone": first["backbone"], "notes": first["notes"]}
        for col in METRICS + COST:
            values = pd.to_numeric(group[col], errors="coerce").dropna()
            row[f"{col}_mean"] = values.mean() if len(values) else math.nan
            if col in METRICS:
                row[f"{col}_std"] = values.std(ddof=1) if len(values) > 1 else math.nan
        row["protocol_hash"] = hashes[0] if len(hashes) == 1 else "mixed:" + ",".join(hashes)
        out.append(row)
    board = pd.DataFrame(out)
    board = board.sort_values(["board", "task", "fid_mean"], na_position="last").reset_index(drop=True)
    return add_published(add_rank_bands(board, "fid"))


def add_rank_bands(board: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Rank bands of ``metric`` per board: a row's best and worst rank given mean ± sd intervals.

    Row j is surely ahead of row i when j's interval lies wholly on i's better side; rows whose intervals
    overlap are tied, so the band spans every rank they could share. The floor is not ranked.
    """
    lower_better = metric in LOWER_IS_BETTER
    best, worst = pd.Series(math.nan, index=board.index), pd.Series(math.nan, index=board.index)
    for _, group in board[(board["method"] != FLOOR) & board[f"{metric}_mean"].notna()].groupby("board"):
        spread = group[f"{metric}_std"].fillna(0.0)
        lo, hi = group[f"{metric}_mean"] - spread, group[f"{metric}_mean"] + spread
        if not lower_better:
            lo, hi = -hi, -lo
        for i in group.index:
            ahead = int((hi < lo[i]).sum())
            behind = int((lo > hi[i]).sum())
            best[i], worst[i] = 1 + ahead, len(group) - behind
    board[f"{metric}_rank_best"], board[f"{metric}_rank_worst"] = best, worst
    board[f"{metric}_rank"] = [("" if math.isnan(b) else f"{int(b)}" if b == w else f"{int(b)}–{int(w)}")
                               for b, w in zip(best, worst)]
    return board


def _fmt(value: float, std: float | None = None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = f"{value:.{digits}g}" if abs(value) < 1000 else f"{value:,.0f}"
    if std is not None and not math.isnan(std):
        text += f" ± {std:.2g}"
    return text


def markdown(board: pd.DataFrame) -> str:
    """The leaderboard as markdown: a table per test set (board), sorted by FID; the floor shown once."""
    parts = []
    for name, group in board.groupby("board", sort=False):
        floor = group["method"] == FLOOR
        group = pd.concat([group[floor].head(1).assign(task="(target train vs test)"), group[~floor]])
        cols = [c for c in METRICS if group[f"{c}_mean"].notna().any()]
        published = "published_fid" in group and group["published_fid"].notna().any()
        header = ["method", "FID rank", "seeds", "trained on", "supervision", *[LABELS[c] for c in cols],
                  *(["published FID (ours − paper)"] if published else []), "params", "train s", "notes"]
        lines = [f"### test set: {name}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for _, r in group.sort_values("fid_mean", na_position="last").iterrows():
            cells = [r["method"], r["fid_rank"], r["seeds"], r["task"], r["supervision"],
                     *[_fmt(r[f"{c}_mean"], r[f"{c}_std"]) for c in cols],
                     *([_published_cell(r)] if published else []),
                     _fmt(r["parameters_total_mean"]), _fmt(r["train_wall_s_mean"]), r["notes"] or ""]
            lines.append("| " + " | ".join(str(c) for c in cells) + " |")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n" + NOTES_LEGEND


def _published_cell(row: pd.Series) -> str:
    """The paper's figure with its source, and our deviation from it (or why there is none)."""
    if math.isnan(row["published_fid"]):
        return ""
    deviation = (f"Δ {row['fid_vs_published']:+.3g}" if not math.isnan(row["fid_vs_published"])
                 else row["published_note"])
    return f"{row['published_fid']:.3g} ({row['published_source']}; {deviation})"


NOTES_LEGEND = ("\nScores are mean ± sd over seeds. FID rank: the band of ranks a method can take when rows whose "
                "mean ± sd intervals overlap count as tied. params: parameters of the networks one translation uses. "
                "notes: settings that differ from the paper's other than sizes (widths, depths, batch), as the run "
                "used them.\n")


def direction_markdown(frame: pd.DataFrame) -> str:
    """Per-direction scores of the multi-domain tasks, a table per task (the board shows their mean)."""
    parts = []
    for task, group in frame.groupby("task", sort=False):
        cols = [c for c in METRICS if c in group and group[c].notna().any()]
        header = ["method", "direction", *[LABELS[c] for c in cols]]
        lines = [f"### {task} (per direction)", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for _, r in group.iterrows():
            lines.append("| " + " | ".join([r["method"], r["direction"], *[_fmt(r[c]) for c in cols]]) + " |")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n" if parts else ""


def write_leaderboard(board: pd.DataFrame, csv_path: Path, md_path: Path, label: str = "") -> None:
    """The CSV, and the markdown board headed by the run's ``label`` (what kind of comparison it is)."""
    with atomic_path(csv_path) as tmp:
        board.to_csv(tmp, index=False, float_format="%.6g")
    with atomic_path(md_path) as tmp:
        tmp.write_text((f"**{label}**\n\n" if label else "") + markdown(board))
