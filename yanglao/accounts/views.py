"""Account pages: login, logout, password, TOTP, user management, the audit log."""

from __future__ import annotations

import base64
import datetime as dt
import json
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from yanglao.core import audit
from yanglao.core.decorators import login_required, role_required
from yanglao.core.errors import DomainError, record_refusal
from yanglao.core.exports import Column, xlsx_response
from yanglao.core.masking import mask_phone
from yanglao.core.models import AccessKind, AccessLog, AuditEvent
from yanglao.core.paging import paginate, query_without_page
from yanglao.core.scope import path_q

from . import selectors, services
from .forms import LoginForm, OtpForm, PasswordChangeForm, UserForm
from .roles import ACCOUNT_GUARDS, AUDIT_READERS, USER_MANAGERS, Role, grantable_roles


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def lockout_response(request, original_response=None, credentials=None):
    form = LoginForm(request, initial={"username": (credentials or {}).get("username", "")})
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _("连续登录失败次数过多，账号已锁定 %(m)d 分钟。如需提前解锁，请联系安全管理员。") % {
        "m": minutes
    }
    return render(request, "accounts/login.html", {"form": form, "locked": message}, status=403)


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("您已退出登录"))
    return redirect("accounts:login")


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            form.add_domain_error(error)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改"))
            return redirect("dashboard:workbench")
    return render(request, "accounts/password_change.html", {"form": form})


def _totp_svg(device: TOTPDevice, user) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode()


@login_required
def otp_setup(request):
    """Enrol a TOTP authenticator: scan, type a code, confirmed."""
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None and confirmed is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=False)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit.record(actor=user, action="otp.enrol", obj=user, request=request)
            messages.success(request, _("双因素认证已启用"))
            return redirect("dashboard:workbench")
        form.add_error("token", _("动态码不正确或已过期"))
    context = {"form": form, "confirmed": confirmed, "device": device}
    if device is not None:
        context["qr_svg"] = _totp_svg(device, user)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/otp_setup.html", context)


@login_required
def otp_verify(request):
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return redirect("accounts:otp_setup")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            audit.record(actor=user, action="otp.verify", obj=user, request=request)
            return redirect(request.GET.get("next") or "dashboard:workbench")
        audit.record(actor=user, action="otp.verify", obj=user, outcome="failed", request=request)
        form.add_error("token", _("动态码不正确或已过期"))
    return render(request, "accounts/otp_verify.html", {"form": form})


USER_COLUMNS = [
    Column(_("账号"), lambda u: u.username),
    Column(_("姓名"), lambda u: u.full_name),
    Column(_("手机号"), lambda u: mask_phone(u.phone)),
    Column(_("所属区划"), lambda u: f"{u.region.name}（{u.region_id}）", 28),
    Column(_("角色"), lambda u: u.role_label, 20),
    Column(_("状态"), lambda u: _("在用") if u.is_active else _("停用"), 8),
    Column(_("最近登录"), lambda u: u.last_login, 20),
]


@role_required(ACCOUNT_GUARDS)
def users(request):
    actor = request.user
    params = {k: request.GET.get(k, "").strip() for k in ("q", "role", "active", "region")}
    qs = selectors.users_for(
        actor,
        q=params["q"],
        role=params["role"],
        active=params["active"],
        region_code=params["region"],
    )
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            request=request,
            actor=actor,
            title=_("账号列表"),
            filename="users",
            columns=USER_COLUMNS,
            rows=qs.iterator(),
            filters=params,
            object_type="User",
        )
    page = paginate(request, qs)
    return render(
        request,
        "accounts/users.html",
        {
            "page": page,
            "qs": query_without_page(request),
            "params": params,
            "roles": Role.choices,
            "can_create": actor.role in USER_MANAGERS,
            "crumbs": None,
        },
    )


@role_required(USER_MANAGERS)
def user_create(request):
    actor = request.user
    form = UserForm(
        request.POST or None,
        actor=actor,
        initial={"region": request.GET.get("region", actor.region_id)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.user_create(
                actor=actor,
                username=data["username"],
                full_name=data["full_name"],
                phone=data["phone"],
                region_code=data["region"],
                role=data["role"],
                password=data.get("password") or None,
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            form.add_domain_error(error)
        else:
            messages.success(request, _("账号 %(u)s 已创建。") % {"u": user.username})
            request.session["yl_new_password"] = {"user": user.pk, "password": password}
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


@role_required(ACCOUNT_GUARDS)
def user_detail(request, pk: int):
    actor = request.user
    target = selectors.user_get(actor, pk)
    shown = request.session.pop("yl_new_password", None)
    new_password = shown["password"] if shown and shown.get("user") == target.pk else None
    recent = AuditEvent.objects.filter(
        Q(object_type="User", object_id=str(target.pk)) | Q(actor=target)
    ).order_by("-at")[:20]
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "tokens": selectors.tokens_of(actor, target),
            "new_password": new_password,
            "recent": recent,
            "can_edit": actor.role in USER_MANAGERS and target.pk != actor.pk,
            "locked": target.username in selectors.locked_usernames([target.username]),
            "can_guard": target.pk != actor.pk,
            "now": timezone.now(),
        },
    )


@role_required(USER_MANAGERS)
def user_edit(request, pk: int):
    actor = request.user
    target = selectors.user_get(actor, pk)
    initial = {
        "username": target.username,
        "full_name": target.full_name,
        "phone": target.phone,
        "region": target.region_id,
        "role": target.role,
    }
    form = UserForm(request.POST or None, actor=actor, editing=True, initial=initial)
    if target.role not in grantable_roles(actor.role):
        form.fields["role"].choices = [(target.role, target.role_label)]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=actor,
                user=target,
                full_name=data["full_name"],
                phone=data["phone"],
                region_code=data["region"],
                role=data["role"],
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            form.add_domain_error(error)
        else:
            messages.success(request, _("已保存"))
            return redirect("accounts:user_detail", pk=target.pk)
    return render(request, "accounts/user_form.html", {"form": form, "target": target})


@require_POST
@role_required(ACCOUNT_GUARDS)
def user_action(request, pk: int, action: str):
    actor = request.user
    target = selectors.user_get(actor, pk)
    try:
        if action == "disable":
            services.user_set_active(actor=actor, user=target, active=False, request=request)
            messages.success(request, _("账号已停用，其所有会话和令牌已失效"))
        elif action == "enable":
            services.user_set_active(actor=actor, user=target, active=True, request=request)
            messages.success(request, _("账号已启用"))
        elif action == "reset_password":
            password = services.user_reset_password(actor=actor, user=target, request=request)
            request.session["yl_new_password"] = {"user": target.pk, "password": password}
            messages.success(request, _("密码已重置，请将新密码当面或电话告知本人"))
        elif action == "unlock":
            services.user_unlock(actor=actor, user=target, request=request)
            messages.success(request, _("账号已解锁"))
        else:
            messages.error(request, _("未知操作"))
    except DomainError as error:
        record_refusal(request, error)
        messages.error(request, error.message)
    return redirect("accounts:user_detail", pk=target.pk)


@require_POST
@role_required(ACCOUNT_GUARDS)
def token_revoke(request, pk: int):
    token = selectors.token_get(request.user, pk)
    try:
        services.token_revoke(actor=request.user, token=token, request=request)
        messages.success(request, _("令牌已吊销"))
    except DomainError as error:
        record_refusal(request, error)
        messages.error(request, error.message)
    return redirect("accounts:user_detail", pk=token.user_id)


AUDIT_COLUMNS = [
    Column(_("时间"), lambda e: e.at, 20),
    Column(_("账号"), lambda e: e.actor_username),
    Column(_("角色"), lambda e: e.actor_role),
    Column(_("区划"), lambda e: e.region_code),
    Column(_("动作"), lambda e: e.action, 22),
    Column(_("对象"), lambda e: e.object_repr, 24),
    Column(_("结果"), lambda e: e.get_outcome_display(), 8),
    Column(_("IP"), lambda e: e.ip, 16),
    Column(_("详情"), lambda e: json.dumps(e.detail, ensure_ascii=False) if e.detail else "", 40),
]


@role_required(AUDIT_READERS)
def audit_log(request):
    actor = request.user
    params = {
        k: request.GET.get(k, "").strip()
        for k in ("q", "action", "outcome", "date_from", "date_to")
    }
    qs = AuditEvent.objects.filter(path_q(actor.region.path, "region_path"))
    if params["q"]:
        qs = qs.filter(
            Q(actor_username__icontains=params["q"])
            | Q(object_repr__icontains=params["q"])
            | Q(object_type__iexact=params["q"])
            | Q(object_id=params["q"])
        )
    if params["action"]:
        qs = qs.filter(action__startswith=params["action"])
    if params["outcome"]:
        qs = qs.filter(outcome=params["outcome"])
    for name, lookup in (("date_from", "at__date__gte"), ("date_to", "at__date__lte")):
        try:
            if params[name]:
                qs = qs.filter(**{lookup: dt.date.fromisoformat(params[name])})
        except ValueError:
            messages.warning(request, _("日期格式应为 YYYY-MM-DD"))
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            request=request,
            actor=actor,
            title=_("审计日志"),
            filename="audit",
            columns=AUDIT_COLUMNS,
            rows=qs.iterator(),
            filters=params,
            object_type="AuditEvent",
        )
    page = paginate(request, qs.order_by("-at", "-id"))
    return render(
        request,
        "accounts/audit.html",
        {
            "page": page,
            "qs": query_without_page(request),
            "params": params,
            "outcomes": AuditEvent._meta.get_field("outcome").choices,
            "login_url": reverse("accounts:login"),
        },
    )


ACCESS_COLUMNS = [
    Column(_("时间"), lambda e: e.at, 20),
    Column(_("账号"), lambda e: e.actor_username),
    Column(_("类别"), lambda e: e.get_kind_display(), 14),
    Column(_("对象"), lambda e: f"{e.object_type} {e.object_id}".strip(), 18),
    Column(_("字段"), lambda e: e.field),
    Column(_("详情"), lambda e: json.dumps(e.detail, ensure_ascii=False) if e.detail else "", 40),
    Column(_("IP"), lambda e: e.ip, 16),
]


@role_required(AUDIT_READERS)
def access_log(request):
    """访问日志: every full view of a sensitive field and every export, in the region."""
    actor = request.user
    params = {k: request.GET.get(k, "").strip() for k in ("q", "kind", "date_from", "date_to")}
    qs = AccessLog.objects.filter(path_q(actor.region.path, "region_path"))
    if params["q"]:
        qs = qs.filter(actor_username__icontains=params["q"])
    if params["kind"] in AccessKind.values:
        qs = qs.filter(kind=params["kind"])
    for name, lookup in (("date_from", "at__date__gte"), ("date_to", "at__date__lte")):
        try:
            if params[name]:
                qs = qs.filter(**{lookup: dt.date.fromisoformat(params[name])})
        except ValueError:
            messages.warning(request, _("日期格式应为 YYYY-MM-DD"))
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            request=request,
            actor=actor,
            title=_("访问日志"),
            filename="access-log",
            columns=ACCESS_COLUMNS,
            rows=qs.iterator(),
            filters=params,
            object_type="AccessLog",
        )
    page = paginate(request, qs.order_by("-at", "-id"))
    return render(
        request,
        "accounts/access_log.html",
        {
            "page": page,
            "qs": query_without_page(request),
            "params": params,
            "kinds": AccessKind.choices,
        },
    )
