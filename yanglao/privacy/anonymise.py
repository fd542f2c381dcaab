"""Anonymisation of the files of elders who died or moved away (匿名化).

After ``privacy.anonymise_after`` (``deceased_days`` / ``moved_days`` from the status
change, looked up for the elder's region) the personal fields are replaced and the keyed
ID index is cleared; the region, the categories (welfare, living situation, flags,
ability, status), the birth year and the sex stay, so every count by region or category
is what it was. Family contacts are unlinked, and a contact's own person row is
anonymised too when nothing else refers to it. Each file anonymised gets an
``Anonymisation`` row and an audit row.

Run nightly by the Huey task in ``tasks.py`` and by ``yanglao anonymise_elders``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from yanglao.core import audit
from yanglao.elders.models import CarePlan, Contact, Elder, ElderStatus
from yanglao.people.models import Person
from yanglao.policy.selectors import lookup, rules_below
from yanglao.regions.models import Region

from .models import Anonymisation, ConsentRecord

RULE = "privacy.anonymise_after"
ANONYMOUS = "（已匿名）"

# Other apps' rows about the elder that carry names or phones of people around them:
# (model label, field pointing at the elder, the values to write).
ELDER_ROW_CLEARS = (
    ("services.Order", "elder", {"requester_name": "", "requester_phone": "", "note": ""}),
    ("community.Signup", "elder", {"proxy_name": ""}),
)


def _person_clear(person: Person) -> list[str]:
    person.name = ANONYMOUS
    person.name_pinyin = ""
    person.name_initials = ""
    person.id_number_enc = ""
    person.id_number_hash = ""
    person.id_region = ""
    person.id_tail = ""
    person.phone = ""
    person.address = ""
    if person.birth_date:
        person.birth_date = dt.date(person.birth_date.year, 1, 1)
    return [
        "name",
        "name_pinyin",
        "name_initials",
        "id_number_enc",
        "id_number_hash",
        "id_region",
        "id_tail",
        "phone",
        "address",
        "birth_date",
        "updated_at",
    ]


def _referenced_elsewhere(person: Person) -> bool:
    """Whether any row but a contact link points at this person (an account, a volunteer,
    another elder's file, a ledger account...)."""
    for relation in Person._meta.related_objects:
        model = relation.related_model
        if model is Contact:
            continue
        if model._default_manager.filter(**{relation.field.name: person}).exists():
            return True
    return False


def anonymise_elder(elder: Elder, *, actor=None, reason: str, trace: dict | None = None) -> None:
    """Anonymise one file now (call inside the caller's transaction or get one here)."""
    with transaction.atomic():
        elder = (
            Elder.objects.select_for_update().select_related("person", "region").get(pk=elder.pk)
        )
        if Anonymisation.objects.filter(elder=elder).exists():
            return
        person = elder.person
        person.save(update_fields=_person_clear(person))
        elder.id_number_hash = ""
        elder.note = ""
        elder.status_note = ""
        elder.latitude = None
        elder.longitude = None
        elder.save(
            update_fields=[
                "id_number_hash",
                "note",
                "status_note",
                "latitude",
                "longitude",
                "updated_at",
            ]
        )
        contacts = list(Contact.objects.filter(elder=elder).select_related("person"))
        Contact.objects.filter(elder=elder).delete()
        unlinked = 0
        for contact in contacts:
            if (
                not _referenced_elsewhere(contact.person)
                and not Contact.objects.filter(person=contact.person).exists()
            ):
                contact.person.save(update_fields=_person_clear(contact.person))
                unlinked += 1
        CarePlan.objects.filter(elder=elder).update(emergency_contacts="")
        ConsentRecord.objects.filter(elder=elder).exclude(giver_name="").update(
            giver_name=ANONYMOUS
        )
        for label, link, values in ELDER_ROW_CLEARS:
            try:
                model = apps.get_model(label)
            except LookupError:
                continue
            model._default_manager.filter(**{link: elder}).update(**values)
        Anonymisation.objects.create(
            elder=elder,
            region_path=elder.region_path,
            reason=reason,
            rule_trace=trace or {},
            by=actor if getattr(actor, "pk", None) else None,
        )
        audit.record(
            actor=actor,
            username=None if actor is not None else "job",
            action="privacy.anonymise",
            obj=elder,
            region=elder.region,
            detail={
                "reason": reason,
                "status": elder.status,
                "contacts_unlinked": len(contacts),
                "contact_persons_anonymised": unlinked,
                **(trace or {}),
            },
        )


@dataclass
class Run:
    anonymised: list[int] = field(default_factory=list)
    checked: int = 0


def _shortest(nation: Region, on: dt.date) -> int | None:
    values = []
    found = lookup(RULE, nation, on)
    if found is not None:
        values += [int(found["deceased_days"]), int(found["moved_days"])]
    for rule in rules_below(RULE, nation):
        for key in ("deceased_days", "moved_days"):
            if key in rule.params:
                values.append(int(rule.params[key]))
    return min(values) if values else None


def due(on: dt.date | None = None) -> list[tuple[Elder, dict]]:
    """Files past the period of their region's rule, not yet anonymised."""
    on = on or timezone.localdate()
    nation = Region.objects.get(code="00")
    shortest = _shortest(nation, on)
    if shortest is None:
        return []
    candidates = (
        Elder.objects.filter(
            status__in=[ElderStatus.DECEASED, ElderStatus.MOVED],
            status_changed_on__lte=on - dt.timedelta(days=shortest),
        )
        .exclude(pk__in=Anonymisation.objects.values("elder"))
        .select_related("region")
        .order_by("pk")
    )
    per_region: dict[str, object] = {}
    found = []
    for elder in candidates.iterator(chunk_size=500):
        resolution = per_region.get(elder.region_id)
        if resolution is None:
            resolution = per_region[elder.region_id] = lookup(RULE, elder.region, on) or False
        if not resolution:
            continue
        key = "deceased_days" if elder.status == ElderStatus.DECEASED else "moved_days"
        days = int(resolution[key])
        if elder.status_changed_on <= on - dt.timedelta(days=days):
            decisive = resolution.decisive
            found.append(
                (
                    elder,
                    {
                        "rule": RULE,
                        key: days,
                        "rule_region": getattr(decisive, "region_code", ""),
                        "status_changed_on": elder.status_changed_on.isoformat(),
                    },
                )
            )
    return found


def anonymise_due(on: dt.date | None = None, *, dry_run: bool = False) -> Run:
    run = Run()
    for elder, trace in due(on):
        run.checked += 1
        if not dry_run:
            anonymise_elder(elder, reason="retention", trace=trace)
        run.anonymised.append(elder.pk)
    return run


def is_anonymised_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}pk__in": Anonymisation.objects.values("elder")})
