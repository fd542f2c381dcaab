"""JSON API for the community app (registered in yanglao/api.py).

Other parts of the app may add endpoints to this ``router`` from their own modules
imported at the bottom of this file.
"""

from __future__ import annotations

from ninja import Router

router = Router(tags=["community"])

# Activities
from yanglao.community.api_activities import router as _activities_router  # noqa: E402

router.add_router("", _activities_router)
