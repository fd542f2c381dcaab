"""Time bank pages: 我的时间银行 for a volunteer; for officers the accounts, a statement,
the pool, the monthly report and a posting with its reversal form."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yanglao.accounts.roles import Role
from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, NotFound, error_response, error_text, record_refusal
from yanglao.core.exports import Column, list_export
from yanglao.core.masking import mask_phone
from yanglao.core.paging import paginate, query_without_page
from yanglao.core.scope import in_subtree, scoped
from yanglao.elders.models import Elder, Relation
from yanglao.people.models import Person

from . import selectors, services
from .models import EntryKind

READERS = services.TIMEBANK_READERS
EVERYONE = READERS | {Role.VISITOR}
PAGE_SIZE = 30


def _page_number(request) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def _statement_context(request, account) -> dict:
    start = parse_date(request.GET.get("start", "") or "")
    end = parse_date(request.GET.get("end", "") or "")
    number = _page_number(request)
    view = selectors.statement(account, start=start, end=end, page=number, page_size=PAGE_SIZE)
    pages = max(1, -(-view.count // PAGE_SIZE))
    return {
        "statement": view,
        "start": start,
        "end": end,
        "page_number": min(number, pages),
        "pages": pages,
        "qs": query_without_page(request),
    }


@role_required(EVERYONE)
def home(request):
    if request.user.role == Role.VISITOR:
        return redirect("timebank:my")
    return redirect("timebank:accounts")


@role_required(EVERYONE)
def my(request):
    """我的时间银行: the balance, the statement, giving to a relative, donating."""
    person = selectors.my_person(request.user)
    account = selectors.my_account(request.user)
    errors: dict = {}
    values: dict = {}
    if request.method == "POST" and person is not None:
        values = request.POST
        action = values.get("action")
        try:
            if action == "transfer":
                to = Person.objects.filter(pk=values.get("to_person") or 0).first()
                if to is None:
                    raise services.ValidationFailed(fields={"to_person": [_("请选择受赠的亲属")]})
                posting = services.transfer_to_relative(
                    person=person,
                    to_person=to,
                    units=values.get("units", ""),
                    actor=request.user,
                    request=request,
                )
                messages.success(
                    request,
                    _("已转赠 %(u)s 小时给 %(n)s") % {"u": posting.units, "n": to.name},
                )
            elif action == "donate":
                posting = services.donate_to_pool(
                    person=person,
                    units=values.get("units", ""),
                    actor=request.user,
                    request=request,
                )
                messages.success(
                    request, _("已捐赠 %(u)s 小时给困难老人互助池，谢谢您") % {"u": posting.units}
                )
            else:
                raise NotFound()
            return redirect("timebank:my")
        except DomainError as error:
            if error.status in (403, 404):
                return error_response(request, error)
            record_refusal(request, error)
            errors = error.fields or {"__all__": [error_text(error)]}
            errors["action"] = action
    context = {
        "person": person,
        "account": account,
        "relatives": selectors.relatives_of(person) if person is not None else [],
        "cap": services.storage_cap(account.region if account else request.user.region),
        "errors": errors,
        "general": errors.get("__all__"),
        "values": values,
    }
    if account is not None:
        context.update(_statement_context(request, account))
    return render(request, "timebank/my.html", context, status=422 if errors else 200)


# "导出 Excel" of the accounts list (hours, never money; phones masked).
ACCOUNT_COLUMNS = [
    Column(gettext_lazy("志愿者"), lambda a: a.holder.name if a.holder_id else ""),
    Column(gettext_lazy("手机号"), lambda a: mask_phone(a.holder.phone) if a.holder_id else ""),
    Column(gettext_lazy("所属区划"), lambda a: a.region.name, 18),
    Column(gettext_lazy("余额（小时）"), lambda a: a.balance),
    Column(gettext_lazy("开户时间"), lambda a: a.created_at, 18),
]


@role_required(READERS)
def accounts(request):
    q = request.GET.get("q", "")
    region = request.GET.get("region", "")
    if request.GET.get("export") == "xlsx":
        return list_export(
            request,
            title=_("志愿者账户"),
            filename="timebank-accounts",
            columns=ACCOUNT_COLUMNS,
            rows=selectors.accounts_for(request.user, q=q, region_code=region).select_related(
                "holder", "region"
            ),
            object_type="Account",
        )
    page = paginate(request, selectors.accounts_for(request.user, q=q, region_code=region))
    return render(
        request,
        "timebank/accounts.html",
        {
            "page": page,
            "q": q,
            "region": region,
            "pools": selectors.pools_for(request.user),
            "qs": query_without_page(request),
        },
    )


@role_required(READERS)
def account_detail(request, pk: int):
    try:
        account = selectors.account_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    errors: dict = {}
    if request.method == "POST":
        try:
            elder = (
                scoped(Elder.objects.all(), request.user, path_lookup="region_path")
                .filter(pk=request.POST.get("elder") or 0)
                .first()
            )
            if elder is None:
                raise services.ValidationFailed(fields={"elder": [_("请先查找并选择老人")]})
            services.relative_link(
                actor=request.user,
                person=account.holder,
                elder=elder,
                relation=request.POST.get("relation", ""),
                request=request,
            )
            messages.success(request, _("亲属关系已登记"))
            return redirect("timebank:account", account.pk)
        except DomainError as error:
            if error.status in (403, 404):
                return error_response(request, error)
            record_refusal(request, error)
            errors = error.fields or {"__all__": [error_text(error)]}
    q = request.GET.get("q", "").strip()
    can_link = request.user.role in services.TIMEBANK_CLERKS
    context = {
        "account": account,
        "q": q,
        "candidates": selectors.elders_to_link(request.user, q) if can_link and q else [],
        "relatives": selectors.relatives_of(account.holder) if account.holder_id else [],
        "can_link": can_link,
        "can_reverse": request.user.role in services.TIMEBANK_MANAGERS,
        "relations": [(Relation.CHILD, _("子女")), (Relation.SPOUSE, _("配偶"))],
        "errors": errors,
        "general": errors.get("__all__"),
        "values": request.POST if errors else {},
    }
    context.update(_statement_context(request, account))
    return render(request, "timebank/account.html", context, status=422 if errors else 200)


@role_required(READERS)
def pools(request):
    rows = list(selectors.pools_for(request.user))
    if len(rows) == 1:
        return redirect("timebank:pool", rows[0].region_id)
    if not rows and request.user.region.level == 3:
        return redirect("timebank:pool", request.user.region_id)
    return render(request, "timebank/pools.html", {"pools": rows})


@role_required(READERS)
def pool_detail(request, county: str):
    try:
        pool = selectors.pool_for_county(request.user, county)
    except DomainError as error:
        return error_response(request, error)
    can_grant = request.user.role in services.TIMEBANK_MANAGERS and in_subtree(
        pool.region.path, request.user.region.path
    )
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        values = request.POST
        try:
            elder = (
                scoped(
                    Elder.objects.select_related("person"), request.user, path_lookup="region_path"
                )
                .filter(pk=values.get("elder") or 0)
                .first()
            )
            if elder is None:
                raise services.ValidationFailed(fields={"elder": [_("请选择受助老人")]})
            posting = services.pool_grant(
                region=pool.region,
                elder=elder,
                units=values.get("units", ""),
                purpose=values.get("purpose", ""),
                reference=values.get("reference", ""),
                actor=request.user,
                request=request,
            )
            messages.success(
                request,
                _("已从互助池资助 %(n)s %(u)s 小时") % {"n": elder.person.name, "u": posting.units},
            )
            return redirect("timebank:pool", pool.region_id)
        except DomainError as error:
            if error.status in (403, 404):
                return error_response(request, error)
            record_refusal(request, error)
            errors = error.fields or {"__all__": [error_text(error)]}
    q = request.GET.get("q", "")
    context = {
        "pool": pool,
        "can_grant": can_grant,
        "elders": selectors.eligible_elders(request.user, pool.region, q) if can_grant else [],
        "grants": selectors.grants_of(pool),
        "q": q,
        "errors": errors,
        "general": errors.get("__all__"),
        "values": values,
    }
    context.update(_statement_context(request, pool))
    return render(request, "timebank/pool.html", context, status=422 if errors else 200)


def _month(raw: str) -> dt.date:
    try:
        year, month = (int(x) for x in (raw or "").split("-")[:2])
        return dt.date(year, month, 1)
    except (TypeError, ValueError):
        return timezone.localdate().replace(day=1)


@role_required(READERS)
def report(request):
    month = _month(request.GET.get("month", ""))
    try:
        view = selectors.monthly_report(
            request.user, month=month, region_code=request.GET.get("region") or None
        )
    except DomainError as error:
        return error_response(request, error)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "timebank/report.html",
        {
            "report": view,
            "month": month,
            "previous": previous,
            "following": following if following <= timezone.localdate() else None,
        },
    )


@role_required(EVERYONE)
def txn_detail(request, txn):
    try:
        lines = selectors.txn_lines(request.user, txn)
    except DomainError as error:
        return error_response(request, error)
    errors: dict = {}
    status = 200
    can_reverse = request.user.role in services.TIMEBANK_MANAGERS
    if request.method == "POST":
        try:
            reversal = services.reverse(
                txn=lines[0].txn,
                reason=request.POST.get("reason", ""),
                actor=request.user,
                request=request,
            )
            messages.success(request, _("已冲正"))
            return redirect("timebank:txn", reversal.txn)
        except DomainError as error:
            if error.status in (403, 404):
                return error_response(request, error)
            record_refusal(request, error)
            errors = dict(error.fields)
            errors.setdefault("__all__", [error.message])
            status = error.status
    first = lines[0]
    reversed_by = selectors.reversal_of(first.txn)
    return render(
        request,
        "timebank/txn.html",
        {
            "lines": lines,
            "first": first,
            "reversed_by": reversed_by,
            "overflow": selectors.overflow_of(first.txn),
            "can_reverse": can_reverse
            and reversed_by is None
            and first.kind not in (EntryKind.REVERSAL, EntryKind.OVERFLOW),
            "errors": errors,
            "general": errors.get("__all__"),
            "reason": request.POST.get("reason", "") if errors else "",
        },
        status=status,
    )
