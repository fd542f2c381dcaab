"""Session timeouts (idle 15 minutes, absolute 8 hours) and the TOTP requirement."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from yanglao.core import audit
from yanglao.core.errors import NotAuthenticated, error_response, is_api_request

LOGIN_AT = "yl_login_at"
SEEN_AT = "yl_seen_at"


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            login_at = request.session.get(LOGIN_AT, now)
            seen_at = request.session.get(SEEN_AT, now)
            reason = None
            if now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds():
                reason = "absolute"
            elif now - seen_at > settings.SESSION_IDLE_TIMEOUT.total_seconds():
                reason = "idle"
            if reason:
                audit.record(
                    actor=user, action="session.expired", detail={"reason": reason}, request=request
                )
                logout(request)
                message = (
                    _("您已超过 15 分钟未操作，请重新登录")
                    if reason == "idle"
                    else _("登录已超过 8 小时，请重新登录")
                )
                if is_api_request(request):
                    return error_response(
                        request, NotAuthenticated(message, code="session_expired")
                    )
                messages.warning(request, message)
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
            request.session[SEEN_AT] = now
            request.session.setdefault(LOGIN_AT, now)
        return self.get_response(request)


EXEMPT_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/static/", "/i18n/")


class SecondFactorMiddleware:
    """Administrator roles must verify a TOTP device when 2FA is required."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.YANGLAO_REQUIRE_2FA
            and user is not None
            and user.is_authenticated
            and user.is_admin_role
            and not user.is_verified()
            and not request.path.startswith(EXEMPT_PREFIXES)
        ):
            if is_api_request(request):
                return error_response(
                    request, NotAuthenticated(_("请先完成双因素认证"), code="otp_required")
                )
            return redirect("accounts:otp_verify")
        return self.get_response(request)
