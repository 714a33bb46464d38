"""Seaborn plots of the leaderboard: metric bars with error bars, FID vs diversity, accuracies, loss curves."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from bench.io import atomic_path  # noqa: E402


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    return path


def _order(frame: pd.DataFrame, metric: str) -> list[str]:
    return list(frame.groupby("method")[metric].mean().sort_values().index)


def fid_kid_bars(per_seed: pd.DataFrame, task: str, path: Path) -> Path:
    """FID and KID per method on one task, error bars = standard deviation over seeds."""
    frame = per_seed[per_seed["task"] == task]
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.35 * frame["method"].nunique() + 1.6))
    for ax, metric in zip(axes, ("fid", "kid")):
        sns.barplot(data=frame, y="method", x=metric, order=_order(frame, metric), errorbar="sd", ax=ax,
                    color="steelblue")
        ax.set_xlabel(metric.upper() + " (lower is better)")
        ax.set_ylabel("")
    fig.suptitle(f"{task}: FID and KID of the test translations (mean ± sd over seeds)")
    return _save(fig, path)


def accuracy_bars(per_seed: pd.DataFrame, path: Path) -> Path:
    """Content accuracy (and method-owned classifier accuracy) per method, one panel per task."""
    cols = [c for c in ("content_acc", "classifier_acc") if per_seed[c].notna().any()]
    long = per_seed.melt(id_vars=["task", "method", "seed"], value_vars=cols, var_name="accuracy").dropna()
    if long.empty:
        return _message("no labelled task: no accuracy to plot", path)
    grid = sns.catplot(data=long, kind="bar", y="method", x="value", hue="accuracy", col="task", errorbar="sd",
                       sharey=False, height=0.3 * long["method"].nunique() + 2, aspect=1.3)
    grid.set_axis_labels("accuracy on the test split", "")
    fig = grid.figure
    fig.suptitle("digit accuracy: content of translations (evaluation network) and method classifiers", y=1.02)
    return _save(fig, path)


def fid_vs_diversity(board: pd.DataFrame, path: Path) -> Path:
    """FID against LPIPS diversity for the multimodal methods (lower-right is better)."""
    frame = board[board["multimodal"] & board["lpips_diversity_mean"].notna()]
    if frame.empty:
        return _message("no multimodal method in this run: nothing to plot", path)
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    sns.scatterplot(data=frame, x="lpips_diversity_mean", y="fid_mean", hue="method", style="task", s=90, ax=ax)
    for _, r in frame.iterrows():
        ax.annotate(r["method"], (r["lpips_diversity_mean"], r["fid_mean"]), fontsize=8, xytext=(4, 4),
                    textcoords="offset points")
    ax.set_xlabel("LPIPS diversity (higher: more diverse)")
    ax.set_ylabel("FID (lower: more realistic)")
    ax.set_title("realism vs diversity of multimodal methods")
    return _save(fig, path)


def rank_per_seed(per_seed: pd.DataFrame, board: str, path: Path) -> Path:
    """Each row's FID rank in every seed on test set ``board``: flat lines mean an order that holds seed to seed.

    A method that trains on two tasks of the board (identity) is ranked once.
    """
    frame = per_seed[(per_seed["board"] == board) & (per_seed["run"] != "") & per_seed["fid"].notna()]
    frame = frame.drop_duplicates(["method", "seed"]).copy()
    if frame.empty:
        return _message(f"{board}: no FID to rank", path)
    frame["rank"] = frame.groupby("seed")["fid"].rank(method="min")
    order = list(frame.groupby("method")["rank"].mean().sort_values().index)
    fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(order) + 2))
    sns.pointplot(data=frame, x="seed", y="rank", hue="method", hue_order=order, ax=ax, markersize=5,
                  linewidth=1.2, dodge=0.3 if len(order) > 1 else False)
    ax.invert_yaxis()
    ax.set_ylabel("FID rank (1 = best)")
    ax.legend(fontsize=7, bbox_to_anchor=(1.02, 1), loc="upper left")
    ax.set_title(f"test set {board}: FID rank of each method in each seed")
    return _save(fig, path)


def loss_curves(per_seed: pd.DataFrame, task: str, path: Path) -> Path:
    """Every loss each method logged while training on ``task`` (first seed), a panel per method."""
    runs = per_seed[(per_seed["task"] == task) & (per_seed["run"] != "")].drop_duplicates("method")
    curves = {}
    for _, r in runs.iterrows():
        log = Path(r["run"]) / "log.jsonl"
        lines = log.read_text().splitlines() if log.is_file() else []
        records = [{"step": e["step"], "loss": k, "value": v} for e in map(json.loads, lines)
                   for k, v in e.items() if k not in ("step", "images_per_s", "elapsed_s")]
        if records:
            curves[r["method"]] = pd.DataFrame(records)
    if not curves:
        return _message(f"{task}: no method logged a training loss", path)
    cols = min(3, len(curves))
    rows = -(-len(curves) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.2 * rows), squeeze=False)
    for ax, (method, frame) in zip(axes.flat, curves.items()):
        sns.lineplot(data=frame, x="step", y="value", hue="loss", ax=ax, linewidth=1)
        ax.set_title(method)
        ax.set_ylabel("loss")
        ax.legend(fontsize=7, ncol=2)
    for ax in list(axes.flat)[len(curves):]:
        ax.axis("off")
    fig.suptitle(f"{task}: training losses")
    return _save(fig, path)


def _message(text: str, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 1.2))
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center")
    return _save(fig, path)
