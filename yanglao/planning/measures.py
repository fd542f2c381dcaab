"""Measures of planning targets (filled in below)."""
