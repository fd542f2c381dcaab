"""Writes of the privacy app: notices, legal bases (consent), data requests. Each is one
transaction with its audit row (rule 2); every number comes from the policy pack."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import AUDIT_READERS, ELDER_WRITERS, Role
from yanglao.core import audit
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.scope import in_subtree
from yanglao.elders.models import Elder, ElderStatus
from yanglao.policy.selectors import lookup

from .models import (
    Basis,
    ConsentRecord,
    DataRequest,
    GivenBy,
    Outcome,
    PrivacyNotice,
    RequestKind,
    RequestStatus,
)

# Who publishes a new version of the notice (it applies to the whole deployment).
NOTICE_EDITORS = frozenset({Role.SYSTEM_ADMIN, Role.CITY_ADMIN})
# Who records a legal basis and registers and handles data requests: the file keepers.
PRIVACY_WRITERS = ELDER_WRITERS
# Who reads the records (the audit administrators too, to check the handling).
PRIVACY_READERS = ELDER_WRITERS | AUDIT_READERS

RESPONSE_RULE = "privacy.request_response"


def _ensure(actor, roles) -> None:
    if actor is None or getattr(actor, "role", None) not in roles:
        raise Forbidden()


def _ensure_elder(actor, elder: Elder) -> None:
    _ensure(actor, PRIVACY_WRITERS)
    if not in_subtree(elder.region_path, actor.region.path):
        from yanglao.core.errors import NotFound

        raise NotFound()


def _text(value, limit: int) -> str:
    return (value or "").strip()[:limit]


# ------------------------------------------------------------------------ the notice


def current_notice(on: dt.date | None = None) -> PrivacyNotice | None:
    on = on or timezone.localdate()
    return PrivacyNotice.objects.filter(effective_on__lte=on).order_by("-version").first()


@transaction.atomic
def notice_publish(
    *,
    actor,
    title: str,
    body: str,
    items: list[dict],
    controller: str,
    contact: str,
    effective_on: dt.date,
    request=None,
) -> PrivacyNotice:
    """发布告知书新版本. The text of an earlier version is never changed."""
    _ensure(actor, NOTICE_EDITORS)
    errors: dict[str, list[str]] = {}
    title, body = _text(title, 200), (body or "").strip()
    controller, contact = _text(controller, 200), _text(contact, 200)
    if not title:
        errors["title"] = [_("请填写标题")]
    if not body:
        errors["body"] = [_("请填写正文")]
    if not controller:
        errors["controller"] = [_("请填写个人信息处理者（单位名称）")]
    if not contact:
        errors["contact"] = [_("请填写联系方式")]
    clean_items = []
    for index, item in enumerate(items or []):
        what = _text(item.get("item"), 100) if isinstance(item, dict) else ""
        why = _text(item.get("purpose"), 300) if isinstance(item, dict) else ""
        if not what or not why:
            errors.setdefault("items", []).append(
                _("第 %(n)d 项：收集项目和目的都要填写") % {"n": index + 1}
            )
            continue
        clean_items.append({"item": what, "purpose": why})
    if not clean_items and "items" not in errors:
        errors["items"] = [_("至少列出一项收集的信息及其目的")]
    if effective_on is None:
        errors["effective_on"] = [_("请填写生效日期")]
    if errors:
        raise ValidationFailed(fields=errors)
    last = PrivacyNotice.objects.select_for_update().order_by("-version").first()
    notice = PrivacyNotice.objects.create(
        version=(last.version + 1) if last else 1,
        title=title,
        body=body,
        items=clean_items,
        controller=controller,
        contact=contact,
        effective_on=effective_on,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="privacy.notice_publish",
        obj=notice,
        request=request,
        detail={"version": notice.version, "effective_on": effective_on.isoformat()},
    )
    return notice


# -------------------------------------------------------------------- legal bases


@transaction.atomic
def consent_record(
    *,
    actor,
    elder: Elder,
    basis: str,
    given_by: str,
    given_on: dt.date | None,
    evidence: str,
    giver_name: str = "",
    giver_relation: str = "",
    legal_reference: str = "",
    notice_version: int | None = None,
    request=None,
) -> ConsentRecord:
    """登记处理依据: the elder's (or a guardian's or proxy's) consent to a version of the
    notice, or the legal duty or vital interest the file is kept under."""
    _ensure_elder(actor, elder)
    errors: dict[str, list[str]] = {}
    if basis not in Basis.values:
        errors["basis"] = [_("请选择处理依据")]
    if given_by not in GivenBy.values:
        errors["given_by"] = [_("请选择由谁作出")]
    giver_name, giver_relation = _text(giver_name, 50), _text(giver_relation, 50)
    if given_by in (GivenBy.GUARDIAN, GivenBy.PROXY):
        if not giver_name:
            errors["giver_name"] = [_("监护人或代理人须写明姓名")]
        if not giver_relation:
            errors["giver_relation"] = [_("监护人或代理人须写明与老人的关系")]
    legal_reference = _text(legal_reference, 300)
    if basis == Basis.LEGAL_DUTY and not legal_reference:
        errors["legal_reference"] = [_("以法定职责为依据时须写明法律法规或文件")]
    notice = None
    if basis == Basis.CONSENT or notice_version:
        notice = (
            PrivacyNotice.objects.filter(version=notice_version).first()
            if notice_version
            else current_notice(given_on)
        )
        if notice is None:
            errors["notice_version"] = [_("没有这个版本的告知书；同意须针对一个已发布的告知书")]
    today = timezone.localdate()
    if given_on is None:
        errors["given_on"] = [_("请填写日期")]
    elif given_on > today:
        errors["given_on"] = [_("日期不能晚于今天")]
    elif notice is not None and given_on < notice.effective_on:
        errors["given_on"] = [
            _("该版告知书 %(d)s 才生效，不能早于生效日期") % {"d": notice.effective_on}
        ]
    evidence = _text(evidence, 300)
    if not evidence:
        errors["evidence"] = [_("请写明凭证（如签字同意书存放处、电话录音编号）")]
    if errors:
        raise ValidationFailed(fields=errors)
    record = ConsentRecord.objects.create(
        elder=elder,
        region_path=elder.region_path,
        basis=basis,
        given_by=given_by,
        giver_name="" if given_by == GivenBy.ELDER else giver_name,
        giver_relation="" if given_by == GivenBy.ELDER else giver_relation,
        legal_reference=legal_reference,
        notice=notice,
        given_on=given_on,
        evidence=evidence,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="privacy.consent_record",
        obj=elder,
        request=request,
        detail={
            "record": record.pk,
            "basis": basis,
            "given_by": given_by,
            "notice_version": notice.version if notice else None,
        },
    )
    return record


@transaction.atomic
def consent_withdraw(
    *, actor, record: ConsentRecord, on: dt.date | None, reason: str, request=None
) -> ConsentRecord:
    """撤回同意 (or end a legal basis that no longer applies)."""
    record = ConsentRecord.objects.select_for_update().select_related("elder").get(pk=record.pk)
    _ensure_elder(actor, record.elder)
    if record.withdrawn_on is not None:
        raise Conflict(_("这条记录已于 %(d)s 撤回") % {"d": record.withdrawn_on})
    errors: dict[str, list[str]] = {}
    reason = _text(reason, 300)
    if not reason:
        errors["reason"] = [_("请写明撤回或终止的原因")]
    if on is None:
        errors["on"] = [_("请填写日期")]
    elif on > timezone.localdate() or on < record.given_on:
        errors["on"] = [_("日期须在登记日期与今天之间")]
    if errors:
        raise ValidationFailed(fields=errors)
    record.withdrawn_on, record.withdrawn_reason, record.withdrawn_by = on, reason, actor
    record.save(update_fields=["withdrawn_on", "withdrawn_reason", "withdrawn_by"])
    audit.record(
        actor=actor,
        action="privacy.consent_withdraw",
        obj=record.elder,
        request=request,
        detail={"record": record.pk, "basis": record.basis, "on": on.isoformat()},
    )
    return record


# ------------------------------------------------------------------- data requests


def due_date(elder: Elder, received_on: dt.date) -> tuple[dt.date, dict]:
    """The answer is due ``days`` of ``privacy.request_response`` after receipt."""
    resolution = lookup(RESPONSE_RULE, elder.region, received_on)
    if resolution is None:
        raise ValidationFailed(
            fields={"received_on": [_("没有适用的答复期限规则（%(r)s）") % {"r": RESPONSE_RULE}]}
        )
    days = int(resolution["days"])
    decisive = resolution.decisive
    return received_on + dt.timedelta(days=days), {
        "rule": RESPONSE_RULE,
        "days": days,
        "region": getattr(decisive, "region_code", ""),
    }


@transaction.atomic
def request_open(
    *,
    actor,
    elder: Elder,
    kind: str,
    requested_by: str,
    requester_name: str,
    detail: str,
    received_on: dt.date | None,
    requester_relation: str = "",
    request=None,
) -> DataRequest:
    """登记个人信息权利请求; the due date comes from the policy pack."""
    _ensure_elder(actor, elder)
    errors: dict[str, list[str]] = {}
    if kind not in RequestKind.values:
        errors["kind"] = [_("请选择请求类型")]
    if requested_by not in GivenBy.values:
        errors["requested_by"] = [_("请选择申请人身份")]
    requester_name, requester_relation = _text(requester_name, 50), _text(requester_relation, 50)
    if not requester_name:
        errors["requester_name"] = [_("请填写申请人姓名")]
    if requested_by in (GivenBy.GUARDIAN, GivenBy.PROXY) and not requester_relation:
        errors["requester_relation"] = [_("监护人或代理人须写明与老人的关系")]
    detail = (detail or "").strip()
    if not detail:
        errors["detail"] = [_("请写明请求的内容")]
    if received_on is None:
        errors["received_on"] = [_("请填写收到日期")]
    elif received_on > timezone.localdate():
        errors["received_on"] = [_("收到日期不能晚于今天")]
    if errors:
        raise ValidationFailed(fields=errors)
    due_on, trace = due_date(elder, received_on)
    data_request = DataRequest.objects.create(
        elder=elder,
        region_path=elder.region_path,
        kind=kind,
        requested_by=requested_by,
        requester_name=requester_name,
        requester_relation=requester_relation,
        detail=detail,
        received_on=received_on,
        due_on=due_on,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="privacy.request_open",
        obj=data_request,
        region=elder.region,
        request=request,
        detail={"elder": elder.pk, "kind": kind, "due_on": due_on.isoformat(), "rule": trace},
    )
    return data_request


@transaction.atomic
def request_handle(
    *, actor, data_request: DataRequest, outcome: str, response: str, request=None
) -> DataRequest:
    """办结: answer the request. An access request is answered by the file's copy (the
    page's download, access-logged); a deletion is carried out by anonymising the file,
    which the law allows only once the file is no longer kept under a legal duty (the
    elder died or moved away); otherwise it is refused with the reason."""
    from . import anonymise

    data_request = (
        DataRequest.objects.select_for_update()
        .select_related("elder", "elder__person", "elder__region")
        .get(pk=data_request.pk)
    )
    elder = data_request.elder
    _ensure_elder(actor, elder)
    if data_request.status != RequestStatus.OPEN:
        raise Conflict(_("该请求已办结"))
    response = (response or "").strip()
    allowed = {
        RequestKind.ACCESS: {Outcome.PROVIDED, Outcome.REFUSED},
        RequestKind.CORRECTION: {Outcome.CORRECTED, Outcome.REFUSED},
        RequestKind.DELETION: {Outcome.ANONYMISED, Outcome.REFUSED},
    }[data_request.kind]
    errors: dict[str, list[str]] = {}
    if outcome not in allowed:
        errors["outcome"] = [
            _("这类请求的处理结果只能是：%(o)s")
            % {"o": "、".join(str(Outcome(o).label) for o in sorted(allowed))}
        ]
    if not response:
        errors["response"] = [_("请写明答复内容（拒绝的须说明理由，更正的须写明改了什么）")]
    if outcome == Outcome.ANONYMISED and elder.status == ElderStatus.ACTIVE:
        errors["outcome"] = [
            _("在册老人的档案依法定职责保存，不能删除：请拒绝并说明理由，或先变更档案状态")
        ]
    if errors:
        raise ValidationFailed(fields=errors)
    if outcome == Outcome.ANONYMISED:
        anonymise.anonymise_elder(
            elder, actor=actor, reason="request", trace={"request": data_request.pk}
        )
    data_request.status = (
        RequestStatus.REFUSED if outcome == Outcome.REFUSED else RequestStatus.DONE
    )
    data_request.outcome = outcome
    data_request.response = response
    data_request.handled_by = actor
    data_request.handled_at = timezone.now()
    data_request.save(update_fields=["status", "outcome", "response", "handled_by", "handled_at"])
    audit.record(
        actor=actor,
        action="privacy.request_handle",
        obj=data_request,
        region=elder.region,
        request=request,
        detail={
            "elder": elder.pk,
            "kind": data_request.kind,
            "outcome": outcome,
            "late": timezone.localdate() > data_request.due_on,
        },
    )
    return data_request
