"""URLs under /community/.

Each part of the app keeps its own ``urlpatterns`` in its own module and is added here
by appending a line ``urlpatterns += <module>.urlpatterns`` (donations, teams, publicity,
activities ...). Keep one line per module so parallel work does not collide.
"""

from __future__ import annotations

app_name = "community"

urlpatterns: list = []

# Append one line per module below, e.g.:
# from yanglao.community import urls_activities
# urlpatterns += urls_activities.urlpatterns
from yanglao.community import views_donations  # noqa: E402

urlpatterns += views_donations.urlpatterns
from yanglao.community import views_teams  # noqa: E402

urlpatterns += views_teams.urlpatterns
from yanglao.community import urls_activities  # noqa: E402

urlpatterns += urls_activities.urlpatterns
