"""The papers' headline figures beside our rows: the paper's value, its source, and our deviation where the
protocols match (the reason where they do not)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bench.report.aggregate import leaderboard, markdown, per_seed_table
from bench.report.published import add_published, published_figures


def _metrics(method: str, seed: int, fid: float) -> dict:
    return {"task": "horse2zebra", "board": "horse2zebra", "method": method, "seed": seed, "steps": 10,
            "setting": "unpaired", "supervision": "unpaired", "profile": "paper", "notes": [],
            "protocol": {"backbone": "inception-v3-compat", "hash": "h"}, "cost": {},
            "rows": [{"mode": "deterministic", "metrics": {"fid": fid}}]}


def _board() -> pd.DataFrame:
    results = {Path(f"runs/{m}/seed{s}/metrics.json"): _metrics(m, s, fid)
               for m, s, fid in (("cut", 0, 50.0), ("cut", 1, 52.0), ("dualgan", 0, 140.0))}
    return leaderboard(per_seed_table(results, {}))


def test_the_table_holds_the_cut_papers_horse2zebra_figures() -> None:
    figures = published_figures().set_index(["task", "method"])
    assert figures.loc[("horse2zebra", "cut"), "value"] == 45.5
    assert figures.loc[("horse2zebra", "fastcut"), "value"] == 73.4
    assert figures.loc[("horse2zebra", "cyclegan"), "value"] == 77.2
    assert set(published_figures()["comparable"]) <= {"yes", "no"}


def test_board_shows_the_papers_value_and_our_deviation() -> None:
    board = _board().set_index("method")
    assert board.loc["cut", "published_fid"] == 45.5 and board.loc["cut", "fid_vs_published"] == pytest.approx(5.5)
    assert pd.isna(board.loc["dualgan", "published_fid"])
    text = markdown(_board())
    assert "published FID (ours − paper)" in text and "45.5 (Park et al., ECCV 2020 (CUT), Table 1; Δ +5.5)" in text


def test_a_figure_from_another_protocol_gets_no_deviation_but_the_reason() -> None:
    figures = pd.DataFrame([{"task": "horse2zebra", "method": "dualgan", "mode": "", "metric": "fid", "value": 90.0,
                             "paper": "A paper", "where": "Table 2", "comparable": "no",
                             "protocol": "FID on the training set"}])
    row = add_published(_board(), figures).set_index("method").loc["dualgan"]
    assert row["published_fid"] == 90.0 and pd.isna(row["fid_vs_published"])
    assert row["published_note"] == "not comparable: FID on the training set"
