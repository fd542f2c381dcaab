"""Star rating and grade pages (星级评定、等级评定): the list, one rating with its trace
and the awards it brings, a facility's history, the entry form, and each county's
five- and four-star homes against its targets."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, error_response, error_text, record_refusal
from yanglao.core.exports import Column, list_export
from yanglao.core.paging import paginate, query_without_page
from yanglao.policy import selectors as policy_selectors

from . import ratings
from .models import RatingScheme

READERS = ratings.RATING_READERS
RATING_COLUMNS = [
    Column(gettext_lazy("设施"), lambda r: r.facility.name, 28),
    Column(gettext_lazy("评定类型"), lambda r: r.get_scheme_display()),
    Column(gettext_lazy("评定日期"), lambda r: r.rated_on),
    Column(gettext_lazy("星级/等级"), lambda r: r.stars),
    Column(gettext_lazy("总分"), lambda r: r.total),
    Column(gettext_lazy("评定机构"), lambda r: r.assessor, 20),
    Column(gettext_lazy("有效期至"), lambda r: r.valid_until),
]


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@role_required(READERS)
def rating_list(request):
    g = request.GET
    try:
        qs = ratings.ratings_for(
            request.user,
            q=g.get("q", "").strip(),
            scheme=g.get("scheme", "") if g.get("scheme") in RatingScheme.values else "",
            stars=_int(g.get("stars")),
            region_code=g.get("region") or None,
        )
    except DomainError as error:
        return error_response(request, error)
    if g.get("export") == "xlsx":
        return list_export(
            request,
            title=_("星级与等级评定"),
            filename="ratings",
            columns=RATING_COLUMNS,
            rows=qs.select_related("facility"),
            object_type="StarRating",
        )
    return render(
        request,
        "facilities/rating_list.html",
        {
            "page": paginate(request, qs),
            "params": g,
            "schemes": RatingScheme.choices,
            "qs": query_without_page(request),
            "tab": "ratings",
        },
    )


@role_required(READERS)
def rating_detail(request, pk: int):
    try:
        rating = ratings.rating_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    awards = ratings.award_proposals(rating) if rating.stars else []
    return render(
        request,
        "facilities/rating_detail.html",
        {"rating": rating, "awards": awards, "trace": rating.trace, "tab": "ratings"},
    )


@role_required(READERS)
def rating_history(request, pk: int):
    try:
        facility = ratings.facility_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    return render(
        request,
        "facilities/rating_history.html",
        {
            "facility": facility,
            "ratings": ratings.facility_ratings(request.user, facility),
            "can_rate": ratings.may_rate(request.user),
            "tab": "ratings",
        },
    )


def _sections(facility, on):
    resolution = policy_selectors.lookup(ratings.GRADING_RULE, facility.region, on)
    if resolution is None:
        return None, []
    return resolution, ratings.grading_sections(resolution.params)


@role_required(ratings.RATERS)
def rating_new(request, pk: int):
    try:
        facility = ratings.facility_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    today = timezone.localdate()
    star_scheme = facility.type in ratings.STAR_TYPES
    resolution, sections = (None, []) if star_scheme else _sections(facility, today)
    values = {"rated_on": today.isoformat()}
    errors: dict = {}
    if request.method == "POST":
        post = request.POST
        values = {k: post.get(k, "") for k in ("rated_on", "stars", "assessor", "valid_until")}
        scores = {s.code: post.get(f"score_{s.code}", "") for s in sections}
        values.update({f"score_{k}": v for k, v in scores.items()})
        try:
            rating = ratings.rating_record(
                actor=request.user,
                facility=facility,
                rated_on=values["rated_on"],
                stars=values["stars"] if star_scheme else None,
                section_scores=None if star_scheme else scores,
                assessor=values["assessor"],
                valid_until=values["valid_until"] or None,
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            errors = error.fields or {"__all__": [error_text(error)]}
        else:
            messages.success(request, _("评定已记录"))
            return redirect("facilities:rating_detail", rating.pk)
    rows = [
        {
            "section": s,
            "value": values.get(f"score_{s.code}", ""),
            "error": (errors.get(f"section_scores.{s.code}") or [""])[0],
        }
        for s in sections
    ]
    return render(
        request,
        "facilities/rating_form.html",
        {
            "facility": facility,
            "star_scheme": star_scheme,
            "resolution": resolution,
            "rows": rows,
            "values": values,
            "errors": errors,
            "tab": "ratings",
        },
        status=422 if errors else 200,
    )


@role_required(READERS)
def rating_stars(request):
    try:
        rows = ratings.star_counts(request.user, region_code=request.GET.get("region") or None)
    except DomainError as error:
        return error_response(request, error)
    return render(
        request,
        "facilities/rating_stars.html",
        {"rows": rows, "today": timezone.localdate(), "tab": "stars"},
    )


urlpatterns = [
    path("ratings/", rating_list, name="rating_list"),
    path("ratings/stars/", rating_stars, name="rating_stars"),
    path("ratings/<int:pk>/", rating_detail, name="rating_detail"),
    path("<int:pk>/ratings/", rating_history, name="rating_history"),
    path("<int:pk>/ratings/new/", rating_new, name="rating_new"),
]
