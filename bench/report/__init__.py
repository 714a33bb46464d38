"""Aggregation, plots, sample grids and the HTML report."""
