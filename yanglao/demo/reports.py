"""Demo data for the work reports: when the demo's elder files were made.

A report counts the elders on the register at the end of its period by the day each file
was made (``Elder.created_at``). The demo makes all its files at load time, so every
report before today would show an empty register; in real use the files were kept
long before. So the demo dates its files back, once: most of them 13 to 24 months
before the load, about one in seven spread over the last twelve months (the monthly
"本期新建档" figure then shows a trickle of new files). Only files made in the last day
move, so running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from yanglao.elders.models import Elder

RECENT_SHARE = 0.15


@transaction.atomic
def load_demo(*, seed: int = 2026) -> int:
    now = timezone.now()
    fresh = list(
        Elder.objects.filter(created_at__gte=now - dt.timedelta(days=1)).values_list(
            "pk", flat=True
        )
    )
    moved = 0
    for pk in fresh:
        rng = random.Random(seed * 1_000_003 + pk)
        days = rng.randint(3, 365) if rng.random() < RECENT_SHARE else rng.randint(396, 730)
        when = now - dt.timedelta(days=days, minutes=rng.randint(0, 600))
        moved += Elder.objects.filter(pk=pk).update(created_at=when)
    return moved
