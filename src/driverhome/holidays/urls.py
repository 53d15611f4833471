from django.urls import path

from . import views

app_name = "holidays"

urlpatterns = [
    path("", views.year_list, name="year-list"),
    path("import", views.year_import, name="year-import"),
    path("<int:year>/", views.year_detail, name="year-detail"),
]
