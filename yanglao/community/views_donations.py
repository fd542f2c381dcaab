"""Donation pages: the public disclosure (公示, no login by design, printable)."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path

from . import donations


def disclosure(request, village_code: str):
    """捐赠公示: public, no login; anonymous donors shown as 匿名, never their names."""
    region, summary = donations.disclosure(village_code)
    return render(
        request,
        "community/donation_disclosure.html",
        {"region": region, "d": donations.public_rows(summary)},
    )


urlpatterns = [
    path(
        "donations/disclosure/<str:village_code>/", disclosure, name="donation_disclosure"
    ),
]
