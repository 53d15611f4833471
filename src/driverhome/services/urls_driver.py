from django.urls import path

from . import views_driver

app_name = "services_driver"

urlpatterns = [
    path("", views_driver.my_services, name="my-services"),
    path("ask/<str:code>/", views_driver.suggestion_accept, name="suggestion-accept"),
]
