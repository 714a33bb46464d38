"""The expected rank stability simulated from rows' means and spreads."""

from __future__ import annotations

import numpy as np
import pytest

from bench.report.stability import expected_spearman


def test_rows_without_spread_rank_the_same_in_every_draw() -> None:
    assert expected_spearman(np.array([1.0, 2.0, 3.0, 5.0]), np.zeros(4), 2, draws=50) == (1.0, 1.0)


def test_wider_spreads_and_fewer_seeds_give_less_stable_rankings() -> None:
    means = np.arange(12) * 10.0
    narrow, _ = expected_spearman(means, np.full(12, 5.0), 2, draws=400)
    wide, wide_share = expected_spearman(means, np.full(12, 30.0), 2, draws=400)
    more_seeds, _ = expected_spearman(means, np.full(12, 30.0), 8, draws=400)
    assert 1.0 > narrow > more_seeds > wide and 0.0 < wide_share < 1.0


def test_a_board_of_fewer_than_three_rows_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 3 rows"):
        expected_spearman(np.array([1.0, 2.0]), np.array([1.0, 1.0]), 2)
