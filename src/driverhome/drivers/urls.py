from django.urls import include, path

from . import picker, views, views_keep

app_name = "drivers"

urlpatterns = [
    path("", views.driver_list, name="driver-list"),
    path("export.xlsx", views.driver_export, name="driver-export"),
    path("new/", views.driver_create, name="driver-create"),
    path("pick/", picker.pick, name="driver-pick"),
    path("<uuid:public_id>/", views.driver_detail, name="driver-detail"),
    path("<uuid:public_id>/edit/", views.driver_edit, name="driver-edit"),
    path("<uuid:public_id>/reveal/<str:field>/", views.driver_reveal, name="driver-reveal"),
    path("<uuid:public_id>/notes/", views.note_add, name="note-add"),
    path("<uuid:public_id>/vehicles/", views.vehicle_add, name="vehicle-add"),
    path("<uuid:public_id>/family/new/", views.family_add, name="family-add"),
    path("<uuid:public_id>/family/<uuid:member>/", views_keep.family_edit, name="family-edit"),
    path(
        "<uuid:public_id>/family/<uuid:member>/remove/",
        views_keep.family_remove,
        name="family-remove",
    ),
    path(
        "<uuid:public_id>/vehicles/<uuid:vehicle>/",
        views_keep.vehicle_edit,
        name="vehicle-edit",
    ),
    path(
        "<uuid:public_id>/vehicles/<uuid:vehicle>/remove/",
        views_keep.vehicle_remove,
        name="vehicle-remove",
    ),
    path("<uuid:public_id>/anonymise/", views.driver_anonymise, name="driver-anonymise"),
    path("import/", views.import_new, name="import-new"),
    path("import/template.xlsx", views.import_template, name="import-template"),
    path("import/<uuid:public_id>/", views.import_detail, name="import-detail"),
    path("import/<uuid:public_id>/progress/", views.import_progress, name="import-progress"),
    path("import/<uuid:public_id>/report.xlsx", views.import_report, name="import-report"),
    path("corrections/", views.correction_list, name="correction-list"),
    path(
        "corrections/<uuid:public_id>/decide/",
        views.correction_decide,
        name="correction-decide",
    ),
    path("apartments/", views.apartment_list, name="apartment-list"),
    path("apartments/", include("driverhome.drivers.urls_housing")),
    path("apartments/<uuid:public_id>/", views.apartment_detail, name="apartment-detail"),
    path(
        "allocations/<uuid:public_id>/vacate/",
        views.allocation_vacate,
        name="allocation-vacate",
    ),
    path(
        "allocations/<uuid:public_id>/transfer/",
        views.allocation_transfer,
        name="allocation-transfer",
    ),
    path("waiting/", views.waiting_add, name="waiting-add"),
    path("waiting/<uuid:public_id>/withdraw/", views.waiting_withdraw, name="waiting-withdraw"),
]
