"""Who may do what in supervision.

The seeds have civil-affairs bureaus and organization departments inspect
(三明：组织、民政部门…定期和不定期、公开和暗访相结合), townships supervise day to day
(中阳：各乡镇…加强日常监督), and counties evaluate operators every year (长治：各县（区）
…对市场主体进行年度评估)."""

from __future__ import annotations

from yanglao.accounts.roles import Role

# Plan and record inspections, add findings, re-inspect, close.
INSPECTORS = frozenset(
    {Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.PARTY_OFFICER}
)
# Officers who also answer for rectifications in their area (report them done).
OFFICERS = INSPECTORS | {Role.VILLAGE_OFFICER}
# Everyone who reads inspections and findings: officers in their region, operators for
# the facilities they run.
READERS = OFFICERS | {Role.FACILITY_OPERATOR}
# The yearly operator evaluation: the bureaus evaluate; officers and operators read.
EVALUATORS = frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN})
EVALUATION_READERS = EVALUATORS | {
    Role.TOWNSHIP_OFFICER,
    Role.PARTY_OFFICER,
    Role.FACILITY_OPERATOR,
}
