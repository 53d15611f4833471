from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notice_list, name="notice-list"),
    path("unsent/", views.notice_failed, name="notice-failed"),
    path("<int:pk>/retry/", views.notice_retry, name="notice-retry"),
]
