from django.urls import path

from . import views

app_name = "appeals"

urlpatterns = [
    path("", views.appeal_list, name="appeal-list"),
    path("new/", views.appeal_new, name="appeal-new"),
    path("similar/", views.appeal_similar, name="appeal-similar"),
    path("hotspots/", views.hotspot_list, name="hotspot-list"),
    path("weak-closures/", views.weak_closure_list, name="weak-closures"),
    path("<str:tracking_no>/", views.appeal_detail, name="appeal-detail"),
    path("<str:tracking_no>/act/<str:action>/", views.appeal_act, name="appeal-act"),
    path("<str:tracking_no>/phone/", views.appeal_phone, name="appeal-phone"),
    path("<str:tracking_no>/photos/<uuid:photo_id>/", views.appeal_photo, name="appeal-photo"),
]
