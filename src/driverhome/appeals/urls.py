from django.urls import path

from . import settings_views, views

app_name = "appeals"

urlpatterns = [
    path("", views.appeal_list, name="appeal-list"),
    path("new/", views.appeal_new, name="appeal-new"),
    path("similar/", views.appeal_similar, name="appeal-similar"),
    path("hotspots/", views.hotspot_list, name="hotspot-list"),
    path("weak-closures/", views.weak_closure_list, name="weak-closures"),
    path("settings/categories/", settings_views.category_list, name="category-list"),
    path("settings/categories/<str:code>/", settings_views.category_edit, name="category-edit"),
    path("settings/time-limits/", settings_views.timelimit_list, name="timelimit-list"),
    path("settings/time-limits/<str:key>/", settings_views.timelimit_edit, name="timelimit-edit"),
    path(
        "settings/time-limits/<str:key>/delete/",
        settings_views.timelimit_delete,
        name="timelimit-delete",
    ),
    path("settings/", settings_views.routing_list, name="routing-list"),
    path(
        "settings/routing/<str:category>/<slug:area>/",
        settings_views.routing_edit,
        name="routing-edit",
    ),
    path(
        "settings/routing/<str:category>/<slug:area>/delete/",
        settings_views.routing_delete,
        name="routing-delete",
    ),
    path("settings/open311-keys/", settings_views.open311key_list, name="open311key-list"),
    path(
        "settings/open311-keys/<str:prefix>/revoke/",
        settings_views.open311key_revoke,
        name="open311key-revoke",
    ),
    path("<str:tracking_no>/", views.appeal_detail, name="appeal-detail"),
    path("<str:tracking_no>/act/<str:action>/", views.appeal_act, name="appeal-act"),
    path("<str:tracking_no>/phone/", views.appeal_phone, name="appeal-phone"),
    path("<str:tracking_no>/photos/<uuid:photo_id>/", views.appeal_photo, name="appeal-photo"),
]
