"""Workbench panels of this app (registered in yanglao.dashboard.panels)."""
