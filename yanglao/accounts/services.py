"""Every account write: validated, in one transaction, audited."""

from __future__ import annotations

import hashlib
import secrets
import string
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.core import audit
from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.core.masking import mask_phone
from yanglao.core.scope import in_subtree
from yanglao.regions.models import Region

from .models import ApiToken, User, UserSession
from .roles import ACCOUNT_GUARDS, RANK, SECURITY_ROLES, USER_MANAGERS, Role, grantable_roles

TOKEN_PREFIX = "yl_"


def generate_password(length: int = 14) -> str:
    """A random password that passes every validator (4 character classes)."""
    pools = [string.ascii_lowercase, string.ascii_uppercase, string.digits, "-_@#%+"]
    chars = [secrets.choice(pool) for pool in pools]
    alphabet = "".join(pools)
    chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _check_password(password: str, user: User | None, field: str = "password") -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(fields={field: list(exc.messages)}) from None


def _region(code: str, field: str = "region") -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationFailed(fields={field: [_("区划代码 %(code)s 不存在") % {"code": code}]})
    if region.valid_to is not None:
        raise ValidationFailed(fields={field: [_("该区划已撤销，不能再分配账号")]})
    return region


def _ensure_manager(actor: User | None, allowed=USER_MANAGERS) -> None:
    if actor is not None and actor.role not in allowed:
        raise Forbidden()


def _ensure_region_in_scope(actor: User | None, region: Region, field: str = "region") -> None:
    if actor is not None and not in_subtree(region.path, actor.region.path):
        raise ValidationFailed(fields={field: [_("只能在本人管辖的区划内分配账号")]})


def _ensure_role_grantable(actor: User | None, role: str) -> None:
    if role not in Role.values:
        raise ValidationFailed(fields={"role": [_("未知的角色：%(r)s") % {"r": role}]})
    if actor is not None and role not in grantable_roles(actor.role):
        raise Forbidden(_("不能授予高于本人的角色或安全管理角色"), code="role_not_grantable")


def _ensure_target(actor: User | None, target: User, allowed=USER_MANAGERS) -> None:
    """The target is inside the actor's region and holds no role above the actor's."""
    if actor is None:
        return
    _ensure_manager(actor, allowed)
    if not in_subtree(target.region.path, actor.region.path):
        raise NotFound()
    if target.pk == actor.pk:
        raise Forbidden(_("不能对自己的账号执行此操作"), code="self_action")
    if target.role in SECURITY_ROLES:
        if actor.role != Role.SECURITY_ADMIN or target.role == Role.SECURITY_ADMIN:
            raise Forbidden(_("安全管理角色的账号只能由命令行或安全管理员维护"))
    elif actor.role in RANK and RANK[target.role] > RANK[actor.role]:
        raise Forbidden(_("不能管理角色高于本人的账号"))


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    region_code: str,
    role: str,
    full_name: str = "",
    phone: str = "",
    password: str | None = None,
    request=None,
) -> tuple[User, str]:
    """Create a user; returns it with the password (generated when not given)."""
    _ensure_manager(actor)
    username = (username or "").strip()
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [_("账号不能为空")]
    elif len(username) > 150 or not all(c.isalnum() or c in "@.+-_" for c in username):
        errors["username"] = [_("账号只能包含字母、数字和 @ . + - _，最多 150 个字符")]
    if phone and (not phone.isdigit() or not 5 <= len(phone) <= 20):
        errors["phone"] = [_("手机号只能是 5 到 20 位数字")]
    if errors:
        raise ValidationFailed(fields=errors)
    region = _region(region_code)
    _ensure_region_in_scope(actor, region)
    _ensure_role_grantable(actor, role)
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(
            _("账号 %(u)s 已存在") % {"u": username},
            code="username_taken",
            fields={"username": [_("该账号已存在")]},
        )
    user = User(
        username=username,
        full_name=full_name.strip()[:50],
        phone=phone,
        region=region,
        role=role,
        created_by=actor,
    )
    password = password or generate_password()
    _check_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    audit.record(
        actor=actor,
        action="user.create",
        obj=user,
        request=request,
        username="cli" if actor is None else None,
        detail={"role": role, "region": region.code},
    )
    return user, password


@transaction.atomic
def user_update(
    *,
    actor: User | None,
    user: User,
    full_name: str | None = None,
    phone: str | None = None,
    region_code: str | None = None,
    role: str | None = None,
    request=None,
) -> User:
    _ensure_target(actor, user)
    changes: dict[str, list[str]] = {}
    if full_name is not None and full_name.strip() != user.full_name:
        changes["full_name"] = [user.full_name, full_name.strip()[:50]]
        user.full_name = full_name.strip()[:50]
    if phone is not None and phone != user.phone:
        if phone and (not phone.isdigit() or not 5 <= len(phone) <= 20):
            raise ValidationFailed(fields={"phone": [_("手机号只能是 5 到 20 位数字")]})
        changes["phone"] = [mask_phone(user.phone), mask_phone(phone)]
        user.phone = phone
    if region_code is not None and region_code != user.region_id:
        region = _region(region_code)
        _ensure_region_in_scope(actor, region)
        changes["region"] = [user.region_id, region.code]
        user.region = region
    if role is not None and role != user.role:
        _ensure_role_grantable(actor, role)
        changes["role"] = [user.role, role]
        user.role = role
    if changes:
        user.save()
        audit.record(
            actor=actor,
            action="user.update",
            obj=user,
            request=request,
            username="cli" if actor is None else None,
            detail={"changes": changes},
        )
    return user


def _end_sessions(user: User) -> int:
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


@transaction.atomic
def user_set_active(*, actor: User | None, user: User, active: bool, request=None) -> User:
    """Disable (ending every session and token) or re-enable an account."""
    _ensure_target(actor, user, ACCOUNT_GUARDS)
    if user.is_active == active:
        return user
    user.is_active = active
    user.disabled_at = None if active else timezone.now()
    user.save(update_fields=["is_active", "disabled_at"])
    detail: dict = {}
    if not active:
        detail["sessions_ended"] = _end_sessions(user)
        detail["tokens_revoked"] = ApiToken.objects.filter(
            user=user, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
    audit.record(
        actor=actor,
        action="user.enable" if active else "user.disable",
        obj=user,
        request=request,
        username="cli" if actor is None else None,
        detail=detail,
    )
    return user


@transaction.atomic
def user_reset_password(
    *, actor: User | None, user: User, password: str | None = None, request=None
) -> str:
    """Set a new password (generated when not given); ends the user's sessions and lockout."""
    _ensure_target(actor, user, ACCOUNT_GUARDS)
    password = password or generate_password()
    _check_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    ended = _end_sessions(user)
    axes_reset(username=user.username)
    audit.record(
        actor=actor,
        action="user.reset_password",
        obj=user,
        request=request,
        username="cli" if actor is None else None,
        detail={"sessions_ended": ended},
    )
    return password


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str, request=None) -> None:
    if not user.check_password(old_password):
        raise ValidationFailed(fields={"old_password": [_("原密码不正确")]})
    if old_password == new_password:
        raise ValidationFailed(fields={"new_password": [_("新密码不能与原密码相同")]})
    _check_password(new_password, user, "new_password")
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    audit.record(actor=user, action="user.change_password", obj=user, request=request)


@transaction.atomic
def user_unlock(*, actor: User | None, user: User, request=None) -> None:
    _ensure_target(actor, user, ACCOUNT_GUARDS)
    axes_reset(username=user.username)
    audit.record(
        actor=actor,
        action="user.unlock",
        obj=user,
        request=request,
        username="cli" if actor is None else None,
    )


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_issue(
    *, actor: User | None, user: User, days: int | None = None, name: str = "", request=None
) -> tuple[ApiToken, str]:
    """Issue a bearer token. Only its hash is stored; the raw token is shown once."""
    if actor is not None and actor.pk != user.pk:
        _ensure_target(actor, user)
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if not 1 <= days <= 366:
        raise ValidationFailed(fields={"days": [_("有效天数须在 1 到 366 之间")]})
    if not user.is_active:
        raise ValidationFailed(fields={"username": [_("账号已停用")]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=raw[:10],
        key_hash=hash_token(raw),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit.record(
        actor=actor,
        action="token.issue",
        obj=user,
        request=request,
        username="cli" if actor is None else None,
        detail={"token": token.prefix, "days": days},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, actor: User | None, token: ApiToken, request=None) -> ApiToken:
    if actor is not None and actor.pk != token.user_id:
        _ensure_target(actor, token.user, ACCOUNT_GUARDS)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action="token.revoke",
            obj=token.user,
            request=request,
            username="cli" if actor is None else None,
            detail={"token": token.prefix},
        )
    return token


def token_authenticate(raw: str) -> User | None:
    """The active user behind a bearer token, or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__region")
        .filter(key_hash=hash_token(raw))
        .first()
    )
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
