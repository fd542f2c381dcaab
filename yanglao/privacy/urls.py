from django.urls import path

from .views import (
    consent_withdraw,
    elder_basis,
    notice_new,
    notices,
    request_detail,
    request_file,
    request_list,
    request_new,
    without_basis,
)

app_name = "privacy"
urlpatterns = [
    path("", request_list, name="requests"),
    path("requests/new/", request_new, name="request_new"),
    path("requests/<int:pk>/", request_detail, name="request_detail"),
    path("requests/<int:pk>/file.xlsx", request_file, name="request_file"),
    path("elders/<int:pk>/", elder_basis, name="elder_basis"),
    path("consents/<int:pk>/withdraw/", consent_withdraw, name="consent_withdraw"),
    path("without-basis/", without_basis, name="without_basis"),
    path("notice/", notices, name="notices"),
    path("notice/new/", notice_new, name="notice_new"),
]
