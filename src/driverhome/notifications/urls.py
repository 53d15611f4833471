from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notice_list, name="notice-list"),
    path("unsent/", views.notice_failed, name="notice-failed"),
    path("<int:pk>/retry/", views.notice_retry, name="notice-retry"),
    path("<int:pk>/resend/", views.notice_resend, name="notice-resend"),
    path("templates/", views.template_list, name="template-list"),
]
