"""Page access: signed in, and holding one of the roles."""

from __future__ import annotations

import functools

from django.contrib.auth.views import redirect_to_login

from .errors import Forbidden, error_response


def role_required(*roles):
    allowed = frozenset(
        r
        for group in roles
        for r in (group if isinstance(group, (set, frozenset, list, tuple)) else [group])
    )

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if allowed and user.role not in allowed:
                return error_response(request, Forbidden())
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


login_required = role_required()
