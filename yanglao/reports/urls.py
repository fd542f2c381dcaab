"""URLs under /reports/ (the public policy page is under /p/, see yanglao/urls.py)."""

from __future__ import annotations

from . import views

app_name = "reports"
urlpatterns = views.urlpatterns
