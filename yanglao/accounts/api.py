"""Account endpoints: who am I, and user management within the caller's region."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from yanglao.core.apischema import ERRORS, Page, PageParams, paginate
from yanglao.core.idempotency import idempotent
from yanglao.core.masking import mask_phone

from . import selectors, services
from .models import User
from .roles import Role, grantable_roles

router = Router(tags=["accounts 账号"])


class UserOut(Schema):
    id: int
    username: str = Field(examples=["zy_county"])
    full_name: str = Field(examples=["王建国"])
    phone: str = Field(description="已脱敏", examples=["138****5678"])
    region_code: str = Field(examples=["141129"])
    region_name: str = Field(examples=["中阳县"])
    role: str = Field(examples=["county_admin"])
    role_label: str = Field(examples=["县级民政管理员"])
    is_active: bool
    last_login: dt.datetime | None

    @staticmethod
    def from_user(user: User) -> dict:
        return {
            "id": user.pk,
            "username": user.username,
            "full_name": user.full_name,
            "phone": mask_phone(user.phone),
            "region_code": user.region_id,
            "region_name": user.region.name,
            "role": user.role,
            "role_label": user.role_label,
            "is_active": user.is_active,
            "last_login": user.last_login,
        }


class MeOut(UserOut):
    grantable_roles: list[str]


class UserFilter(PageParams):
    q: str = Field("", max_length=50, description="账号、姓名或手机号尾号")
    role: str = Field("", description="角色代码")
    active: str = Field("", pattern="^(|0|1)$", description="1 在用，0 停用")
    region: str = Field("", max_length=15, description="区划代码（含下级）")


class UserCreate(Schema):
    username: str = Field(max_length=150, examples=["zy_village_01"])
    full_name: str = Field("", max_length=50, examples=["李秀英"])
    phone: str = Field("", max_length=20, examples=["13812345678"])
    region: str = Field(max_length=15, examples=["141129100201"])
    role: Role = Field(examples=["village_officer"])
    password: str | None = Field(
        None, max_length=128, description="不填则随机生成并在响应中返回一次"
    )


class UserCreated(Schema):
    user: UserOut
    password: str = Field(description="初始密码，仅返回这一次")


class UserPatch(Schema):
    full_name: str | None = Field(None, max_length=50)
    phone: str | None = Field(None, max_length=20)
    region: str | None = Field(None, max_length=15)
    role: Role | None = None
    is_active: bool | None = None


@router.get("/me", response={200: MeOut, **ERRORS}, summary="当前账号")
def me(request: HttpRequest):
    user = request.auth
    data = UserOut.from_user(user)
    data["grantable_roles"] = grantable_roles(user.role)
    return data


@router.get("/users", response={200: Page[UserOut], **ERRORS}, summary="辖区内的账号")
def list_users(request: HttpRequest, filters: Query[UserFilter]):
    qs = selectors.users_for(
        request.auth,
        q=filters.q,
        role=filters.role,
        active=filters.active,
        region_code=filters.region,
    )
    page = paginate(qs, filters)
    page["items"] = [UserOut.from_user(u) for u in page["items"]]
    return page


@router.post(
    "/users",
    response={201: UserCreated, **ERRORS},
    summary="创建账号",
    description="不能授予高于本人的角色；账号已存在时返回 409。",
)
@decorate_view(idempotent)
def create_user(request: HttpRequest, payload: UserCreate):
    user, password = services.user_create(
        actor=request.auth,
        username=payload.username,
        full_name=payload.full_name,
        phone=payload.phone,
        region_code=payload.region,
        role=payload.role.value,
        password=payload.password,
        request=request,
    )
    return Status(201, {"user": UserOut.from_user(user), "password": password})


@router.get("/users/{user_id}", response={200: UserOut, **ERRORS}, summary="账号详情")
def get_user(request: HttpRequest, user_id: int):
    return UserOut.from_user(selectors.user_get(request.auth, user_id))


@router.patch("/users/{user_id}", response={200: UserOut, **ERRORS}, summary="修改或停用账号")
@decorate_view(idempotent)
def patch_user(request: HttpRequest, user_id: int, payload: UserPatch):
    actor = request.auth
    user = selectors.user_get(actor, user_id)
    user = services.user_update(
        actor=actor,
        user=user,
        full_name=payload.full_name,
        phone=payload.phone,
        region_code=payload.region,
        role=payload.role.value if payload.role else None,
        request=request,
    )
    if payload.is_active is not None:
        user = services.user_set_active(
            actor=actor, user=user, active=payload.is_active, request=request
        )
    return UserOut.from_user(user)
