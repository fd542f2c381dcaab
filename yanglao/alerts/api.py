"""The JSON API of this app, mounted in yanglao/api.py."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["alerts"])
