"""A URL conf for the star-rating and village-centre tests: the project's, with the
facilities pages added when the project does not route them yet."""

from __future__ import annotations

import pytest
from django.urls import include, path, reverse

from yanglao import urls as root

_ROUTED = any(getattr(p, "namespace", None) == "facilities" for p in root.urlpatterns)

if _ROUTED:
    urlpatterns = list(root.urlpatterns)
else:
    from yanglao.facilities import views_centres, views_ratings

    urlpatterns = [
        *root.urlpatterns,
        path(
            "facilities/",
            include((views_ratings.urlpatterns + views_centres.urlpatterns, "facilities")),
        ),
    ]


@pytest.fixture
def facility_urls(settings):
    settings.ROOT_URLCONF = __name__

    def url(name: str, *args) -> str:
        return reverse(f"facilities:{name}", args=args)

    return url
