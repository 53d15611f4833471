from django.urls import path

from . import views_driver as views

app_name = "appeals_driver"

urlpatterns = [
    path("", views.my_appeals, name="my-appeals"),
    path("new/", views.appeal_new, name="appeal-new"),
    path("status/", views.status_lookup, name="status-lookup"),
    path("<str:tracking_no>/", views.appeal_detail, name="appeal-detail"),
    path("<str:tracking_no>/rate/", views.appeal_rate, name="appeal-rate"),
    path("<str:tracking_no>/withdraw/", views.appeal_withdraw, name="appeal-withdraw"),
    path("<str:tracking_no>/message/", views.appeal_message, name="appeal-message"),
    path("<str:tracking_no>/reopen/", views.appeal_reopen, name="appeal-reopen"),
    path("<str:tracking_no>/photos/<uuid:photo_id>/", views.appeal_photo, name="appeal-photo"),
]
