from django.urls import path

from . import views

app_name = "services"

urlpatterns = [
    path("", views.order_list, name="orders"),
    path("new/", views.order_new, name="order_new"),
    path("<int:pk>/", views.order_detail, name="order"),
    path("<int:pk>/photo/<str:which>", views.order_photo, name="order_photo"),
    path("mine/", views.my_orders, name="my_orders"),
    path("providers/", views.providers, name="providers"),
    path("providers/new/", views.provider_edit, name="provider_new"),
    path("providers/<int:pk>/", views.provider_detail, name="provider"),
    path("providers/<int:pk>/edit/", views.provider_edit, name="provider_edit"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("ratings/", views.ratings, name="ratings"),
    path("request-links/<int:elder_id>/", views.request_link_new, name="request_link_new"),
]

# Public pages (no login): the elder's or family's request page and the survey page.
public_urlpatterns = [
    path("r/<str:token>/", views.public_request, name="public_request"),
    path("survey/<str:token>/", views.public_survey, name="public_survey"),
]

# The elder's own activity sign-up page hangs on the same link (community/views_public.py).
from yanglao.community import views_public as community_public  # noqa: E402

public_urlpatterns.append(
    path(
        "r/<str:token>/activities/",
        community_public.public_activities,
        name="public_activities",
    )
)

# Meal aid and hospital appointments (views_meals.py, views_appointments.py).
from . import views_appointments, views_meals  # noqa: E402

urlpatterns += views_meals.urlpatterns + views_appointments.urlpatterns
