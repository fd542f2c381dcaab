"""The demo: 宁乡镇敬老院's feed with a few unmatched rows, each for its own reason."""

from __future__ import annotations

from yanglao.demo.elders import load_elders
from yanglao.demo.facilities import load_facilities
from yanglao.demo.interop import load_demo
from yanglao.demo.users import load_users
from yanglao.interop.models import FeedBatch, Residency


def test_the_demo_feed_has_matches_and_each_kind_of_miss(db):
    load_users()
    load_elders(1500)
    load_facilities()
    fed = load_demo()
    assert fed is not None and fed["matched"] >= 3 and fed["unmatched"] == 4
    batch = FeedBatch.objects.get(kind="residents")
    assert {r["reason"] for r in batch.report} == {
        "invalid_checksum",
        "unknown_id",
        "out_of_region",
        "duplicate",
    }
    assert (
        Residency.objects.filter(facility=batch.facility, until__isnull=True).count()
        == (fed["matched"])
    )
    assert FeedBatch.objects.filter(kind="beds").count() == 1
    assert load_demo() is None  # idempotent
