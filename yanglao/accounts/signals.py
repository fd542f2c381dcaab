"""Login, logout and failed-login events go to the audit table."""

from __future__ import annotations

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from yanglao.core import audit
from yanglao.core.models import Outcome

from .middleware import LOGIN_AT, SEEN_AT
from .models import User, UserSession


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    now = time.time()
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now
    if not request.session.session_key:
        request.session.save()
    UserSession.objects.get_or_create(
        session_key=request.session.session_key,
        defaults={"user": user, "ip": audit.client_ip(request)},
    )
    audit.record(actor=user, action="login", obj=user, request=request)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is None:
        return
    if request is not None and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()
    audit.record(actor=user, action="logout", obj=user, request=request)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    user = User.objects.filter(username=username).select_related("region").first()
    audit.record(
        actor=None,
        action="login.failed",
        obj=user,
        region=user.region if user else None,
        outcome=Outcome.FAILED,
        request=request,
        username=username,
    )


@receiver(user_locked_out)
def on_locked_out(sender, request, username=None, **kwargs):
    user = User.objects.filter(username=username or "").select_related("region").first()
    audit.record(
        actor=None,
        action="login.locked",
        obj=user,
        region=user.region if user else None,
        outcome=Outcome.DENIED,
        request=request,
        username=username or "",
    )
