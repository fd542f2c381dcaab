from django.urls import include, path
from django.views.generic import RedirectView

from yanglao.api import api
from yanglao.core import views as core_views
from yanglao.privacy import views as privacy_views
from yanglao.reports.views import public_urlpatterns as public_report_urls
from yanglao.services.urls import public_urlpatterns as public_service_urls

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dashboard:workbench", permanent=False)),
    path("api/v1/", api.urls),
    path("accounts/", include("yanglao.accounts.urls")),
    path("regions/", include("yanglao.regions.urls")),
    path("policy/", include("yanglao.policy.urls")),
    path("workbench/", include("yanglao.dashboard.urls")),
    path("elders/", include("yanglao.elders.urls")),
    path("visits/", include("yanglao.visits.urls")),
    path("alerts/", include("yanglao.alerts.urls")),
    path("messages/", include("yanglao.notify.urls")),
    path("services/", include("yanglao.services.urls")),
    path("facilities/", include("yanglao.facilities.urls")),
    path("timebank/", include("yanglao.timebank.urls")),
    path("party/", include("yanglao.party.urls")),
    path("funding/", include("yanglao.funding.urls")),
    path("planning/", include("yanglao.planning.urls")),
    path("community/", include("yanglao.community.urls")),
    path("supervision/", include("yanglao.supervision.urls")),
    path("interop/", include("yanglao.interop.urls")),
    path("reports/", include("yanglao.reports.urls")),
    path("privacy/", include("yanglao.privacy.urls")),
    # The privacy notice (个人信息处理告知书), public by design.
    path("p/privacy/", privacy_views.public_notice, name="privacy_public_notice"),
    path("insights/", include("yanglao.insights.urls")),
    # Pages for elders and families, without an account (signed or hashed tokens).
    path("s/", include(public_service_urls)),
    # The public policy compilation (政策汇编), no login by design.
    path("p/", include(public_report_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", core_views.healthz, name="healthz"),
]

handler400 = "yanglao.core.errors.handler400"
handler403 = "yanglao.core.errors.handler403"
handler404 = "yanglao.core.errors.handler404"
handler500 = "yanglao.core.errors.handler500"
