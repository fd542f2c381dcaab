from __future__ import annotations

from django.conf import settings

from .navigation import nav_entries, nav_for


def shell(request):
    user = getattr(request, "user", None)
    nav = nav_for(user)
    path = request.path
    return {
        "nav_items": [
            {
                "label": item.label,
                "url": item.url(),
                "icon": item.icon,
                "active": bool(item.prefix) and path.startswith(item.prefix),
            }
            for item in nav
        ],
        "nav_entries": nav_entries(user, path) if user is not None else [],
        "yanglao_env": settings.YANGLAO_ENV,
        "require_2fa": settings.YANGLAO_REQUIRE_2FA,
    }
