"""Time bank: /api/v1/timebank (my account, accounts and statements, transfers to
relatives, donations, the pool and its grants, reversals, the monthly report).

Units are hours as decimal strings with two decimals ("2.50"); they are never money."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from yanglao.accounts.roles import Role
from yanglao.core.apischema import ERRORS, Page, PageParams, paginate
from yanglao.core.errors import Forbidden, NotFound, ValidationFailed
from yanglao.core.idempotency import idempotent
from yanglao.core.scope import scoped
from yanglao.elders.models import Elder
from yanglao.people.models import Person

from . import selectors, services
from .models import Account, Entry

router = Router(tags=["timebank 时间银行"])

HOURS = Field(description="小时数（两位小数的十进制字符串）；不是金额", examples=["2.50"])


def _readers_only(user) -> None:
    if user.role not in services.TIMEBANK_READERS:
        raise Forbidden()


class AccountOut(Schema):
    id: int = Field(examples=[12])
    kind: str = Field(description="volunteer 个人账户 / pool 互助池", examples=["volunteer"])
    holder_id: int | None = Field(description="持有人（人员编号）", examples=[2051])
    holder_name: str = Field(examples=["李春梅"])
    region_code: str = Field(examples=["141129101201"])
    region_name: str = Field(examples=["金罗村"])
    balance: Decimal = HOURS
    created_at: dt.datetime

    @staticmethod
    def of(account: Account) -> AccountOut:
        return AccountOut(
            id=account.pk,
            kind=account.kind,
            holder_id=account.holder_id,
            holder_name=account.holder.name if account.holder_id else "",
            region_code=account.region_id,
            region_name=account.region.name,
            balance=account.balance,
            created_at=account.created_at,
        )


class LineOut(Schema):
    seq: int = Field(description="全账本序号", examples=[1024])
    txn: uuid.UUID = Field(examples=["6e3ca0e0-35fc-434d-a662-d9de6f902963"])
    account_id: int = Field(examples=[12])
    kind: str = Field(
        description="earn 服务记入 / spend 兑换服务 / transfer 转赠亲属 / donate 捐赠互助池 / "
        "overflow 超出存储上限转入互助池 / pool_grant 互助池资助 / reversal 冲正",
        examples=["earn"],
    )
    amount: Decimal = Field(description="小时数，收入为正、支出为负", examples=["2.00"])
    balance: Decimal | None = Field(None, description="该行之后的账户余额（明细中）")
    memo: str = Field(examples=["服务 2 小时（bath）"])
    reference: str = Field(examples=["order:123"])
    reverses: uuid.UUID | None = Field(None, description="冲正的原流水号")
    beneficiary_id: int | None = Field(None, description="互助池资助的老人（人员编号）")
    created_at: dt.datetime
    hash: str = Field(description="sha256(上一行校验值 + 本行字段)")
    prev_hash: str

    @staticmethod
    def of(entry: Entry, balance: Decimal | None = None) -> LineOut:
        return LineOut(
            seq=entry.seq,
            txn=entry.txn,
            account_id=entry.account_id,
            kind=entry.kind,
            amount=entry.amount,
            balance=balance,
            memo=entry.memo,
            reference=entry.reference,
            reverses=entry.reverses,
            beneficiary_id=entry.beneficiary_id,
            created_at=entry.created_at,
            hash=entry.hash,
            prev_hash=entry.prev_hash,
        )


class PostingOut(Schema):
    txn: uuid.UUID = Field(examples=["6e3ca0e0-35fc-434d-a662-d9de6f902963"])
    kind: str = Field(examples=["transfer"])
    units: Decimal = HOURS
    lines: list[LineOut] = Field(description="借贷各行，合计为零")
    overflow_txn: uuid.UUID | None = Field(
        None, description="超出存储上限而转入互助池的流水（同一事务）"
    )
    overflow_units: Decimal | None = Field(None, examples=["3.00"])
    overflow_lines: list[LineOut] = Field(default_factory=list)
    reversed_by: uuid.UUID | None = Field(None, description="冲正该流水的流水号")

    @staticmethod
    def of(posting: services.Posting, reversed_by: uuid.UUID | None = None) -> PostingOut:
        extra = posting.overflow
        return PostingOut(
            txn=posting.txn,
            kind=posting.kind,
            units=posting.units,
            lines=[LineOut.of(e) for e in posting.lines],
            overflow_txn=extra.txn if extra else None,
            overflow_units=extra.units if extra else None,
            overflow_lines=[LineOut.of(e) for e in extra.lines] if extra else [],
            reversed_by=reversed_by,
        )


class StatementQuery(PageParams):
    start: dt.date | None = Field(None, description="开始日期（含）", examples=["2026-11-01"])
    end: dt.date | None = Field(None, description="结束日期（含）", examples=["2026-11-30"])


class StatementOut(Schema):
    account: AccountOut | None = Field(description="尚无收支时为 null")
    start: dt.date | None
    end: dt.date | None
    opening: Decimal = Field(description="本页第一行之前的余额", examples=["10.00"])
    credits: Decimal = Field(description="期间收入合计", examples=["12.00"])
    debits: Decimal = Field(description="期间支出合计", examples=["5.00"])
    items: list[LineOut] = Field(description="新的在前，每行带该行之后的余额")
    count: int


def _statement(account: Account, query: StatementQuery) -> StatementOut:
    view = selectors.statement(
        account, start=query.start, end=query.end, page=query.page, page_size=query.page_size
    )
    return StatementOut(
        account=AccountOut.of(account),
        start=view.start,
        end=view.end,
        opening=view.opening,
        credits=view.credits,
        debits=view.debits,
        items=[LineOut.of(r.entry, r.balance) for r in view.rows],
        count=view.count,
    )


class RelativeOut(Schema):
    person_id: int = Field(examples=[3120])
    name: str = Field(examples=["王秀英"])
    relation: str = Field(description="配偶 / 父母 / 子女", examples=["父母"])
    age: int | None = Field(examples=[76])
    eligible: bool = Field(description="现在是否可以受赠")
    reason: str = Field("", description="不可受赠的原因", examples=[""])


class TimebankMeOut(Schema):
    person_id: int = Field(examples=[2051])
    name: str = Field(examples=["李春梅"])
    account: AccountOut | None = Field(description="尚无收支时为 null")
    storage_cap: Decimal = Field(
        description="存储上限（小时），超出部分转入互助池（规则 time_bank.storage）",
        examples=["1500.00"],
    )
    relatives: list[RelativeOut] = Field(description="可转赠的亲属（来自老人档案的家庭联系人）")


def _me(request: HttpRequest):
    person = selectors.my_person(request.auth)
    if person is None:
        raise NotFound(_("您的账号没有登记为志愿者"))
    return person


@router.get(
    "/me",
    response={200: TimebankMeOut, **ERRORS},
    summary="我的时间银行：余额、存储上限、可受赠的亲属",
)
def me(request: HttpRequest):
    person = _me(request)
    account = selectors.my_account(request.auth)
    return TimebankMeOut(
        person_id=person.pk,
        name=person.name,
        account=AccountOut.of(account) if account else None,
        storage_cap=services.storage_cap(account.region if account else person.region),
        relatives=[
            RelativeOut(
                person_id=r.person.pk,
                name=r.person.name,
                relation=r.relation,
                age=r.age,
                eligible=r.eligible,
                reason=r.reason,
            )
            for r in selectors.relatives_of(person)
        ],
    )


@router.get(
    "/me/statement",
    response={200: StatementOut, **ERRORS},
    summary="我的收支明细",
)
def my_statement(request: HttpRequest, query: Query[StatementQuery]):
    _me(request)
    account = selectors.my_account(request.auth)
    if account is None:
        return StatementOut(
            account=None,
            start=query.start,
            end=query.end,
            opening=Decimal("0.00"),
            credits=Decimal("0.00"),
            debits=Decimal("0.00"),
            items=[],
            count=0,
        )
    return _statement(account, query)


class AccountQuery(PageParams):
    q: str = Field("", description="姓名、拼音首字母或手机尾号", examples=["lcm"])
    region: str = Field("", description="区划代码（须在本人辖区内）", examples=["141129101"])


@router.get(
    "/accounts",
    response={200: Page[AccountOut], **ERRORS},
    summary="本辖区的志愿者个人账户",
)
def list_accounts(request: HttpRequest, query: Query[AccountQuery]):
    _readers_only(request.auth)
    page = paginate(
        selectors.accounts_for(request.auth, q=query.q, region_code=query.region), query
    )
    page["items"] = [AccountOut.of(a) for a in page["items"]]
    return page


@router.get(
    "/accounts/{account_id}",
    response={200: AccountOut, **ERRORS},
    summary="一个账户（志愿者只能看本人的）",
)
def get_account(request: HttpRequest, account_id: int):
    return AccountOut.of(selectors.account_get(request.auth, account_id))


@router.get(
    "/accounts/{account_id}/statement",
    response={200: StatementOut, **ERRORS},
    summary="账户收支明细（日期范围，分页，带余额）",
)
def account_statement(request: HttpRequest, account_id: int, query: Query[StatementQuery]):
    return _statement(selectors.account_get(request.auth, account_id), query)


class TransferIn(Schema):
    to_person_id: int = Field(description="受赠人（人员编号，见 /timebank/me 的 relatives）")
    units: Decimal = HOURS


@router.post(
    "/accounts/{account_id}/transfers",
    response={201: PostingOut, **ERRORS},
    summary="转赠亲属：配偶，或年满60周岁的父母、子女",
    description="只能转赠给配偶（不限年龄）或年满60周岁（规则 time_bank.redemption）的直系亲属，"
    "关系取自老人档案的家庭联系人；其他人一律 422（字段 to_person）。余额不足 422（字段 "
    "units）。受赠人超出存储上限的部分转入其县(区)互助池。由本人或本辖区工作人员办理。",
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"example": {"to_person_id": 3120, "units": "2.00"}}}
        }
    },
)
@decorate_view(idempotent)
def transfer(request: HttpRequest, account_id: int, payload: TransferIn):
    account = selectors.account_get(request.auth, account_id)
    to = Person.objects.filter(pk=payload.to_person_id).first()
    if to is None:
        raise ValidationFailed(fields={"to_person": [_("受赠人不存在")]})
    posting = services.transfer_to_relative(
        person=account.holder,
        to_person=to,
        units=payload.units,
        actor=request.auth,
        request=request,
    )
    return Status(201, PostingOut.of(posting))


class DonateIn(Schema):
    units: Decimal = HOURS


@router.post(
    "/accounts/{account_id}/donations",
    response={201: PostingOut, **ERRORS},
    summary="捐给本县(区)的困难老人互助池",
    openapi_extra={
        "requestBody": {"content": {"application/json": {"example": {"units": "5.00"}}}}
    },
)
@decorate_view(idempotent)
def donate(request: HttpRequest, account_id: int, payload: DonateIn):
    account = selectors.account_get(request.auth, account_id)
    if account.holder_id is None:
        raise NotFound()
    posting = services.donate_to_pool(
        person=account.holder, units=payload.units, actor=request.auth, request=request
    )
    return Status(201, PostingOut.of(posting))


class LinkIn(Schema):
    elder_id: int = Field(description="老人档案号", examples=[1024])
    relation: str = Field(description="child 本人是老人的子女 / spouse 配偶", examples=["child"])


@router.post(
    "/accounts/{account_id}/relatives",
    response={201: RelativeOut, **ERRORS},
    summary="登记亲属关系：账户持有人是某位老人的子女或配偶",
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"example": {"elder_id": 1024, "relation": "child"}}}
        }
    },
)
@decorate_view(idempotent)
def link_relative(request: HttpRequest, account_id: int, payload: LinkIn):
    account = selectors.account_get(request.auth, account_id)
    if request.auth.role == Role.VISITOR or account.holder_id is None:
        raise Forbidden()
    elder = (
        scoped(Elder.objects.select_related("person"), request.auth, path_lookup="region_path")
        .filter(pk=payload.elder_id)
        .first()
    )
    if elder is None:
        raise NotFound()
    services.relative_link(
        actor=request.auth,
        person=account.holder,
        elder=elder,
        relation=payload.relation,
        request=request,
    )
    found = next(
        (r for r in selectors.relatives_of(account.holder) if r.person.pk == elder.person_id),
        None,
    )
    return Status(
        201,
        RelativeOut(
            person_id=elder.person_id,
            name=elder.person.name,
            relation=found.relation if found else payload.relation,
            age=found.age if found else None,
            eligible=found.eligible if found else False,
            reason=found.reason if found else "",
        ),
    )


@router.get(
    "/pools",
    response={200: Page[AccountOut], **ERRORS},
    summary="本辖区的困难老人互助池（每县(区)一个）",
)
def list_pools(request: HttpRequest, query: Query[PageParams]):
    _readers_only(request.auth)
    page = paginate(selectors.pools_for(request.auth), query)
    page["items"] = [AccountOut.of(a) for a in page["items"]]
    return page


@router.get(
    "/pools/{county}",
    response={200: AccountOut, **ERRORS},
    summary="一个县(区)的互助池",
)
def get_pool(request: HttpRequest, county: str):
    _readers_only(request.auth)
    return AccountOut.of(selectors.pool_for_county(request.auth, county))


class PoolGrantIn(Schema):
    elder_id: int = Field(description="受助老人的档案号（特困、低保、经济困难或孤寡）")
    units: Decimal = HOURS
    purpose: str = Field(description="兑换的服务", examples=["上门助浴两次"])
    reference: str = Field(
        "", description="业务单号：同一单号只资助一次（不填则自动生成）", examples=["order:456"]
    )


@router.post(
    "/pools/{county}/grants",
    response={201: PostingOut, **ERRORS},
    summary="互助池资助困难老人兑换服务（县级及以上民政管理员）",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {
                        "elder_id": 1024,
                        "units": "2.00",
                        "purpose": "上门助浴两次",
                        "reference": "order:456",
                    }
                }
            }
        }
    },
)
@decorate_view(idempotent)
def pool_grant(request: HttpRequest, county: str, payload: PoolGrantIn):
    _readers_only(request.auth)
    pool = selectors.pool_for_county(request.auth, county)
    elder = (
        scoped(Elder.objects.select_related("person"), request.auth, path_lookup="region_path")
        .filter(pk=payload.elder_id)
        .first()
    )
    if elder is None:
        raise NotFound()
    posting = services.pool_grant(
        region=pool.region,
        elder=elder,
        units=payload.units,
        purpose=payload.purpose,
        reference=payload.reference,
        actor=request.auth,
        request=request,
    )
    return Status(201, PostingOut.of(posting))


@router.get(
    "/txns/{txn}",
    response={200: PostingOut, **ERRORS},
    summary="一笔流水（借贷各行）",
)
def get_txn(request: HttpRequest, txn: uuid.UUID):
    lines = selectors.txn_lines(request.auth, txn)
    posting = services.Posting(txn, lines[0].kind, lines)
    overflow = selectors.overflow_of(txn)
    if overflow is not None:
        posting = services.posting_of(txn)
    return PostingOut.of(posting, selectors.reversal_of(txn))


class ReverseIn(Schema):
    reason: str = Field(description="冲正原因（必填）", examples=["工单重复录入"])


@router.post(
    "/txns/{txn}/reverse",
    response={201: PostingOut, **ERRORS},
    summary="冲正一笔流水（县级及以上民政管理员）",
    description="写一笔方向相反的流水（原流水保留），连同它引起的超上限转入。已冲正的、冲正流水"
    "本身、超上限转入流水 409；会使个人或互助池余额低于零 409。",
    openapi_extra={
        "requestBody": {"content": {"application/json": {"example": {"reason": "工单重复录入"}}}}
    },
)
@decorate_view(idempotent)
def reverse(request: HttpRequest, txn: uuid.UUID, payload: ReverseIn):
    lines = selectors.txn_lines(request.auth, txn)
    posting = services.reverse(
        txn=lines[0].txn, reason=payload.reason, actor=request.auth, request=request
    )
    return Status(201, PostingOut.of(posting))


class ReportQuery(Schema):
    month: str = Field(
        "", pattern=r"^(\d{4}-\d{2})?$", description="YYYY-MM，默认本月", examples=["2026-11"]
    )
    region: str = Field("", description="区划代码（须在本人辖区内）", examples=["141129101"])


class MonthlyReportRowOut(Schema):
    region_code: str = Field(examples=["141129101201"])
    region_name: str = Field(examples=["金罗村"])
    earned: Decimal = Field(description="服务记入", examples=["120.50"])
    spent: Decimal = Field(description="兑换服务", examples=["20.00"])
    given: Decimal = Field(description="转赠亲属（转出）", examples=["6.00"])
    received: Decimal = Field(description="受赠（转入）", examples=["6.00"])
    donated: Decimal = Field(description="捐赠互助池", examples=["10.00"])
    overflow: Decimal = Field(description="超出存储上限转入互助池", examples=["0.00"])
    reversed: Decimal = Field(description="冲正的净额（有正负）", examples=["-2.00"])
    balance: Decimal = Field(description="月末余额", examples=["1520.00"])
    volunteers: int = Field(description="本月有服务记入的志愿者人数", examples=[14])


class MonthlyReportOut(Schema):
    region_code: str
    region_name: str
    month: str = Field(examples=["2026-11"])
    rows: list[MonthlyReportRowOut] = Field(description="下级区划（乡镇级下为各村(社区)）")
    total: MonthlyReportRowOut
    pool_balance: Decimal | None = Field(None, description="所属县(区)互助池月末余额")


def _report_row(row: selectors.ReportRow) -> MonthlyReportRowOut:
    return MonthlyReportRowOut(
        region_code=row.region.code,
        region_name=row.region.name,
        earned=row.earned,
        spent=row.spent,
        given=row.given,
        received=row.received,
        donated=row.donated,
        overflow=row.overflow,
        reversed=row.reversed,
        balance=row.balance,
        volunteers=row.volunteers,
    )


@router.get(
    "/reports/monthly",
    response={200: MonthlyReportOut, **ERRORS},
    summary="时间银行月度报表（按下级区划、村(社区)）",
)
def monthly_report(request: HttpRequest, query: Query[ReportQuery]):
    _readers_only(request.auth)
    if query.month:
        year, month = (int(x) for x in query.month.split("-"))
        if not 1 <= month <= 12:
            raise ValidationFailed(fields={"month": [_("月份应为 01–12")]})
        first = dt.date(year, month, 1)
    else:
        first = timezone.localdate().replace(day=1)
    view = selectors.monthly_report(request.auth, month=first, region_code=query.region or None)
    return MonthlyReportOut(
        region_code=view.region.code,
        region_name=view.region.name,
        month=first.strftime("%Y-%m"),
        rows=[_report_row(r) for r in view.rows],
        total=_report_row(view.total),
        pool_balance=view.pool,
    )
