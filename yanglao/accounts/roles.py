"""Roles and what each may do.

Business roles are ranked; a manager grants no role above their own. The three
security roles (系统管理员, 安全管理员, 审计管理员) are kept apart so that no one both
grants rights and erases their trace: they are created only from the command line.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("市级民政管理员")
    COUNTY_ADMIN = "county_admin", _("县级民政管理员")
    TOWNSHIP_OFFICER = "township_officer", _("乡镇(街道)工作人员")
    VILLAGE_OFFICER = "village_officer", _("村(社区)工作人员")
    PARTY_OFFICER = "party_officer", _("党组织工作人员")
    FACILITY_OPERATOR = "facility_operator", _("养老机构运营方")
    VISITOR = "visitor", _("探访员/志愿者/党员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


RANK: dict[str, int] = {
    Role.CITY_ADMIN: 60,
    Role.COUNTY_ADMIN: 50,
    Role.PARTY_OFFICER: 40,
    Role.TOWNSHIP_OFFICER: 40,
    Role.VILLAGE_OFFICER: 30,
    Role.FACILITY_OPERATOR: 20,
    Role.VISITOR: 10,
}
BUSINESS_ROLES = frozenset(RANK)
SECURITY_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

# Roles that manage accounts (create, edit, disable, reset passwords) in their region.
USER_MANAGERS = frozenset(
    {Role.SYSTEM_ADMIN, Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER}
)
# Roles that may disable accounts, unlock them and revoke tokens (security administration).
ACCOUNT_GUARDS = USER_MANAGERS | {Role.SECURITY_ADMIN}
AUDIT_READERS = frozenset({Role.AUDIT_ADMIN, Role.SECURITY_ADMIN})
POLICY_EDITORS = frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN})
REGION_EDITORS = frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.SYSTEM_ADMIN})
# Roles required to use a TOTP second factor when 2FA is required.
ADMIN_ROLES = frozenset(
    {Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
)


def grantable_roles(role: str) -> list[str]:
    """Roles a user holding ``role`` may give to others."""
    if role == Role.SYSTEM_ADMIN:
        return [r for r in Role.values if r in BUSINESS_ROLES]
    if role not in USER_MANAGERS:
        return []
    own = RANK[role]
    return [r for r in Role.values if r in BUSINESS_ROLES and RANK[r] <= own]


def role_label(role: str) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return role


# The elder registry.
ELDER_WRITERS = frozenset(
    {Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.VILLAGE_OFFICER}
)
ELDER_READERS = ELDER_WRITERS | {Role.PARTY_OFFICER, Role.FACILITY_OPERATOR}
# Who may see a full ID number or phone (each full view is logged).
SENSITIVE_VIEWERS = frozenset(
    {Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.VILLAGE_OFFICER}
)

# Visits, pairing and alerts: officers who organise visits and handle alerts in their region.
VISIT_OFFICERS = frozenset(
    {
        Role.CITY_ADMIN,
        Role.COUNTY_ADMIN,
        Role.TOWNSHIP_OFFICER,
        Role.VILLAGE_OFFICER,
        Role.PARTY_OFFICER,
    }
)
