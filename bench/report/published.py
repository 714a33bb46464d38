"""The papers' headline figures (``published.csv``: method, task, metric, value, paper and table, whether our
protocol matches theirs and how), set beside our rows on the board with our deviation from them."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

PUBLISHED = Path(__file__).with_name("published.csv")


def published_figures(path: Path = PUBLISHED) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"mode": str}, keep_default_na=False)


def add_published(board: pd.DataFrame, figures: pd.DataFrame | None = None, metric: str = "fid") -> pd.DataFrame:
    """``published_<metric>`` (the paper's value), ``published_source`` and ``published_note`` where a paper reports
    the (task, method, mode), and ``<metric>_vs_published``: ours minus the paper's, left blank where the
    protocols differ."""
    figures = published_figures() if figures is None else figures
    figures = figures[figures["metric"] == metric].set_index(["task", "method", "mode"])
    value, source, note, delta = [], [], [], []
    for _, row in board.iterrows():
        key = next((k for k in ((row["task"], row["method_name"], row["mode"]), (row["task"], row["method_name"], ""))
                    if k in figures.index), None)  # the row's mode, else a figure for the method as a whole
        if key is None:
            value.append(math.nan), source.append(""), note.append(""), delta.append(math.nan)
            continue
        fig = figures.loc[key]
        comparable = fig["comparable"] == "yes"
        value.append(float(fig["value"]))
        source.append(f"{fig['paper']}, {fig['where']}")
        note.append(fig["protocol"] if comparable else f"not comparable: {fig['protocol']}")
        delta.append(row[f"{metric}_mean"] - float(fig["value"]) if comparable else math.nan)
    return board.assign(**{f"published_{metric}": value, "published_source": source, "published_note": note,
                           f"{metric}_vs_published": delta})
