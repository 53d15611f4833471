"""Console pages of housing, under /console/drivers/apartments/ (names in the drivers namespace)."""

from django.urls import path

from . import views_housing as views

urlpatterns = [
    path("buildings/", views.building_list, name="building-list"),
    path("buildings/new/", views.building_create, name="building-create"),
    path("buildings/import/", views.housing_import_page, name="housing-import"),
    path("buildings/import/template.xlsx", views.housing_template, name="housing-template"),
    path("buildings/<slug:code>/", views.building_detail, name="building-detail"),
    path("buildings/<slug:code>/edit/", views.building_edit, name="building-edit"),
    path("buildings/<slug:code>/service/", views.building_service, name="building-service"),
    path("buildings/<slug:code>/apartments/new/", views.apartment_create, name="apartment-create"),
    path("<uuid:public_id>/edit/", views.apartment_edit, name="apartment-edit"),
    path("<uuid:public_id>/service/", views.apartment_service, name="apartment-service"),
]
