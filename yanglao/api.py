"""The JSON API at /api/v1/: one NinjaAPI, one error body, two ways to authenticate."""

from __future__ import annotations

from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from yanglao.accounts.api import router as accounts_router
from yanglao.accounts.services import token_authenticate
from yanglao.alerts.api import router as alerts_router
from yanglao.community.api import router as community_router
from yanglao.community.api_donations import router as community_donations_router
from yanglao.community.api_teams import router as community_teams_router
from yanglao.core.errors import DomainError, Forbidden, error_body, record_refusal
from yanglao.core.idempotency import IDENTIFIERS
from yanglao.elders.api import router as elders_router
from yanglao.elders.api_assessment import router as assessments_router
from yanglao.facilities.api import router as facilities_router
from yanglao.facilities.api_ratings import router as facility_ratings_router
from yanglao.funding.api import router as funding_router
from yanglao.insights.api import router as insights_router
from yanglao.interop.api import router as interop_router
from yanglao.notify.api import router as notify_router
from yanglao.party.api import router as party_router
from yanglao.planning.api import router as planning_router
from yanglao.policy.api import router as policy_router
from yanglao.privacy.api import router as privacy_router
from yanglao.regions.api import router as regions_router
from yanglao.reports.api import router as reports_router
from yanglao.services.api import router as services_router
from yanglao.services.api_meals import router as meals_router
from yanglao.supervision.api import router as supervision_router
from yanglao.timebank.api import router as timebank_router
from yanglao.visits.api import router as visits_router


class BearerAuth(HttpBearer):
    """``Authorization: Bearer <token>`` for integrations and scripts."""

    def authenticate(self, request: HttpRequest, token: str):
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser's session; unsafe methods must carry the CSRF token."""

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest):
        return None

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            reason = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
            if reason is not None:
                raise Forbidden(_("安全校验失败（CSRF），请刷新页面后重试"), code="csrf_failed")
        return user

    def authenticate(self, request, key):  # pragma: no cover - __call__ does the work
        return None


def _identify_bearer(request: HttpRequest):
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, token = header.partition(" ")
    return token_authenticate(token.strip()) if scheme.lower() == "bearer" else None


def _identify_session(request: HttpRequest):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


IDENTIFIERS.extend([_identify_bearer, _identify_session])

api = NinjaAPI(
    title="Yanglao 养老服务平台 API",
    version="1",
    description=(
        "党建+智慧养老服务平台的 JSON API。认证：浏览器会话（写操作需 CSRF 令牌）或 "
        "`Authorization: Bearer <token>`（`yanglao issue_token USERNAME` 签发）。"
        '所有错误返回统一结构 `{"error": {"code", "message", "fields"}}`。'
        "列表参数 `page`（从 1 开始）、`page_size`（默认 50，最大 200）。"
        "写操作可带 `Idempotency-Key` 头，重试返回第一次的结果。"
    ),
    auth=[BearerAuth(), SessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    record_refusal(request, exc)
    return api.create_response(request, exc.body(), status=exc.status)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    body = error_body("not_authenticated", _("请先登录或提供有效的 API 令牌"))
    return api.create_response(request, body, status=401)


def _field_path(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "form")]
    return ".".join(parts) or "__all__"


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        fields.setdefault(_field_path(error.get("loc", ())), []).append(_translate(error))
    body = error_body("validation_failed", _("输入有误，请检查标出的字段"), fields)
    return api.create_response(request, body, status=422)


def _translate(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    messages = {
        "missing": _("必填"),
        "int_parsing": _("应为整数"),
        "int_type": _("应为整数"),
        "string_type": _("应为文本"),
        "date_from_datetime_parsing": _("日期格式应为 YYYY-MM-DD"),
        "date_parsing": _("日期格式应为 YYYY-MM-DD"),
        "date_type": _("日期格式应为 YYYY-MM-DD"),
        "bool_parsing": _("应为 true 或 false"),
        "json_invalid": _("请求体不是有效的 JSON"),
        "model_attributes_type": _("请求体应为 JSON 对象"),
        "dict_type": _("应为 JSON 对象"),
        "list_type": _("应为列表"),
    }
    if kind in messages:
        return messages[kind]
    if kind == "greater_than_equal":
        return _("不能小于 %(v)s") % {"v": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("不能大于 %(v)s") % {"v": ctx.get("le")}
    if kind == "string_too_long":
        return _("最多 %(v)s 个字符") % {"v": ctx.get("max_length")}
    if kind == "string_too_short":
        return _("至少 %(v)s 个字符") % {"v": ctx.get("min_length")}
    if kind == "string_pattern_mismatch":
        return _("格式不正确")
    if kind in ("literal_error", "enum"):
        return _("取值不在允许范围内：%(v)s") % {"v": ctx.get("expected", "")}
    return error.get("msg", _("无效的值"))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        body = error_body("invalid_json", _("请求体不是有效的 JSON"), {"body": [_("无法解析")]})
        return api.create_response(request, body, status=422)
    codes = {
        401: "not_authenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
    }
    messages = {
        401: _("请先登录"),
        403: _("无权进行此操作"),
        404: _("记录不存在或不在您的管辖范围内"),
        405: _("不支持该请求方法"),
    }
    body = error_body(
        codes.get(exc.status_code, "bad_request"), messages.get(exc.status_code, _("请求有误"))
    )
    return api.create_response(request, body, status=exc.status_code)


api.add_router("/regions", regions_router)
api.add_router("/", accounts_router)
api.add_router("/policy", policy_router)
api.add_router("/elders", elders_router)
api.add_router("/elders", assessments_router)
api.add_router("/", visits_router)
api.add_router("/", alerts_router)
api.add_router("/", notify_router)
api.add_router("/", services_router)
# Before the facilities router: its /facilities/{facility_id} would match /facilities/ratings.
api.add_router("/", facility_ratings_router)
api.add_router("/", facilities_router)
api.add_router("/", meals_router)
api.add_router("/timebank", timebank_router)
api.add_router("/", party_router)
api.add_router("/", funding_router)
api.add_router("/", planning_router)
api.add_router("/", community_router)
api.add_router("/", community_donations_router)
api.add_router("/insights", insights_router)
api.add_router("/", community_teams_router)
api.add_router("/", supervision_router)
api.add_router("/interop", interop_router)
api.add_router("/reports", reports_router)
api.add_router("/", privacy_router)
