"""Workbench panels of the time bank."""
