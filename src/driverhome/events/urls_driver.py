from django.urls import path

from . import views_driver as views

app_name = "events_driver"

urlpatterns = [
    path("", views.event_list, name="event-list"),
    path("mine/", views.my_registrations, name="my-registrations"),
    path("my-qr/", views.my_qr, name="my-qr"),
    path("my-qr.svg", views.my_qr_image, name="my-qr-image"),
    path("certificates/<str:number>/", views.certificate, name="certificate"),
    path("<str:code>/", views.event_detail, name="event-detail"),
    path("<str:code>/register/", views.event_register, name="event-register"),
    path("<str:code>/confirm/", views.registration_confirm, name="registration-confirm"),
    path("<str:code>/cancel/", views.registration_cancel, name="registration-cancel"),
    path("<str:code>/rate/", views.event_rate, name="event-rate"),
    path("<str:code>/check-in/<str:token>/", views.event_self_check_in, name="event-self-check-in"),
]
