"""Paging for pages: ?page=N, 50 a page, with the total."""

from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator


def paginate(request, qs, per_page: int = 50):
    paginator = Paginator(qs, per_page)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)


def query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
