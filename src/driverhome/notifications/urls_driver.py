from django.urls import path

from . import views_driver as views

app_name = "notifications_driver"

urlpatterns = [
    path("", views.my_messages, name="my-messages"),
]
