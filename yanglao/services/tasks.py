"""Periodic service jobs (filled below)."""
