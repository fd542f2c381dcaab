"""Transfers contending from several processes, for the PostgreSQL concurrency test and
``bench.timebank``: a small family of accounts, a worker doing transfers among them,
and the checks of the books afterwards.

Each step runs in its own process against the database named by ``DATABASE_URL``::

    python -m yanglao.timebank.contention prepare                  # migrate, the regions
    python -m yanglao.timebank.contention setup [--units 50]      # prints the spec (JSON)
    python -m yanglao.timebank.contention worker SPEC --n 200 --seed 1 [--start-at T]
    python -m yanglao.timebank.contention verify                   # prints the checks

The family: an elder couple (spouses, 70 and 68) and their two children, volunteers
registered as the children on both parents' files. Every transfer is allowed by the
rules (children to parents, spouses to each other); a refusal can only be a balance
that would go below zero, which is what the workers race for."""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

VILLAGE = "141129101201"
# The village and the regions above it, for a database without the national tree.
CHAIN = [
    ("00", "全国", 0),
    ("14", "山西省", 1),
    ("1411", "吕梁市", 2),
    ("141129", "中阳县", 3),
    ("141129101", "金罗镇", 4),
    ("141129101201", "金罗村", 5),
]


def prepare() -> dict:
    """Migrate the database and make sure the village and its parents exist."""
    from django.core.management import call_command

    from yanglao.regions.models import Region

    call_command("migrate", verbosity=0)
    parent = None
    path = ""
    for code, name, level in CHAIN:
        path = f"{path}.{code}" if path else code
        parent, _made = Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "path": path, "parent": parent}
        )
    return {"regions": Region.objects.count()}


def setup(units: str = "50", actor_name: str | None = None) -> dict:
    """Make the family, fund the children and the parents, return what workers need."""
    from django.utils import timezone

    from yanglao.accounts import services as accounts
    from yanglao.accounts.models import User
    from yanglao.core.errors import Conflict
    from yanglao.elders import services as elders
    from yanglao.people.idnumbers import make_id_number
    from yanglao.people.models import Person
    from yanglao.people.services import apply_name
    from yanglao.regions.models import Region

    from . import services

    run = f"{os.getpid()}{int(time.time() * 1000) % 100000}"
    name = actor_name or f"tb_contention_{run}"
    actor = User.objects.filter(username=name).first()
    if actor is None:
        actor, _password = accounts.user_create(
            actor=None, username=name, region_code="141129", role="county_admin"
        )
    today = timezone.localdate()
    village = Region.objects.get(code=VILLAGE)
    rng = random.Random()

    def elder(years: int, label: str):
        born = today.replace(year=today.year - years, day=min(today.day, 28))
        for _try in range(50):  # an ID number not yet on file (runs may share a database)
            try:
                return elders.elder_register(
                    actor=actor,
                    name=label,
                    region_code=VILLAGE,
                    id_number=make_id_number(VILLAGE[:6], born, rng.randrange(1000)),
                )
            except Conflict:
                continue
        raise RuntimeError("no free ID number")

    father = elder(70, "张国庆")
    mother = elder(68, "王秀英")
    services.relative_link(actor=actor, person=mother.person, elder=father, relation="spouse")
    children = []
    for label in ("张建军", "张丽华"):
        child = Person(region=village, phone="13800000000")
        apply_name(child, label)
        child.save()
        for parent in (father, mother):
            services.relative_link(actor=actor, person=child, elder=parent, relation="child")
        children.append(child)
    people = [father.person, mother.person, *children]
    for i, person in enumerate(people):
        services.earn(
            person=person,
            hours=Decimal(units),
            item_code="",
            region=village,
            reference=f"contention:{run}:{i}",
            actor=actor,
        )
    father_id, mother_id = father.person_id, mother.person_id
    pairs = [(father_id, mother_id), (mother_id, father_id)]
    for child in children:
        pairs += [(child.pk, father_id), (child.pk, mother_id)]
    return {
        "actor": actor.pk,
        "people": [p.pk for p in people],
        "pairs": pairs,
        "accounts": [services.holder_account(p).pk for p in people],
    }


def work(
    spec: dict,
    n: int,
    seed: int,
    start_at: float | None = None,
    units: str = "",
    go: str = "",
) -> dict:
    """Do ``n`` transfers among the spec's pairs; count those made and those refused.

    Start at ``start_at`` (a Unix time), or when the file ``go`` appears (having written
    ``<go>.<seed>.ready`` once connected), so that all workers start together. With
    ``units`` every transfer moves that amount back and forth between the first two
    people (a bench that never runs dry); else random amounts between random pairs."""
    from django.db import connection

    from yanglao.accounts.models import User
    from yanglao.core.errors import ValidationFailed
    from yanglao.people.models import Person

    from . import services

    actor = User.objects.select_related("region").get(pk=spec["actor"])
    people = {p.pk: p for p in Person.objects.filter(pk__in=spec["people"])}
    pairs = [(people[a], people[b]) for a, b in spec["pairs"]]
    rng = random.Random(seed)
    connection.ensure_connection()
    services.terms(services.place(services.holder_account(pairs[0][0])))  # warm up
    if go:
        Path(f"{go}.{seed}.ready").touch()
        while not Path(go).exists():
            time.sleep(0.001)
    elif start_at:
        time.sleep(max(0.0, start_at - time.time()))
    done: list[str] = []
    refused = 0
    failed: list[str] = []
    started = time.time()
    for i in range(n):
        giver, receiver = pairs[i % 2] if units else rng.choice(pairs)
        amount = units or str(Decimal(rng.randint(1, 20)) / 2)
        try:
            posting = services.transfer_to_relative(
                person=giver, to_person=receiver, units=amount, actor=actor
            )
        except ValidationFailed:
            refused += 1
        except Exception as exc:  # reported, so the test shows what went wrong
            failed.append(f"{type(exc).__name__}: {exc}"[:300])
        else:
            done.append(str(posting.txn))
    ended = time.time()
    return {
        "ok": len(done),
        "refused": refused,
        "failed": len(failed),
        "errors": failed[:5],
        "txns": done,
        "started": started,
        "ended": ended,
    }


def verify() -> dict:
    """The books: no personal or pool balance below zero, every posting nets to zero, all
    lines sum to zero, each balance is the sum of its lines, the chain is sound."""
    from django.db.models import Sum

    from .chain import verify_chain
    from .models import HOLDING_KINDS, Account, Entry, EntryKind

    total = Entry.objects.aggregate(t=Sum("amount"))["t"] or Decimal(0)
    negative = [a.pk for a in Account.objects.filter(kind__in=HOLDING_KINDS) if a.balance < 0]
    sums = dict(
        Entry.objects.values_list("account_id")
        .annotate(t=Sum("amount"))
        .values_list("account_id", "t")
    )
    mismatched = [
        a.pk for a in Account.objects.all() if a.balance != (sums.get(a.pk) or Decimal(0))
    ]
    transfers = sorted(
        {
            str(t)
            for t in Entry.objects.filter(kind=EntryKind.TRANSFER)
            .order_by()
            .values_list("txn", flat=True)
        }
    )
    return {
        "total": str(total),
        "negative": negative,
        "mismatched": mismatched,
        "transfers": transfers,
        "problems": [str(p) for p in verify_chain()],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m yanglao.timebank.contention")
    sub = parser.add_subparsers(dest="step", required=True)
    sub.add_parser("prepare")
    s = sub.add_parser("setup")
    s.add_argument("--units", default="50")
    w = sub.add_parser("worker")
    w.add_argument("spec")
    w.add_argument("--n", type=int, default=100)
    w.add_argument("--seed", type=int, default=0)
    w.add_argument("--start-at", type=float, default=0.0)
    w.add_argument("--go", default="", help="start when this file appears")
    w.add_argument("--units", default="", help="a fixed amount, alternating the first pair")
    sub.add_parser("verify")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yanglao.settings")
    import django

    django.setup()
    if args.step == "prepare":
        out = prepare()
    elif args.step == "setup":
        out = setup(args.units)
    elif args.step == "worker":
        out = work(
            json.loads(args.spec), args.n, args.seed, args.start_at or None, args.units, args.go
        )
    else:
        out = verify()
    sys.stdout.write(json.dumps(out, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
