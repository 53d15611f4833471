from django.urls import path

from . import views_driver, views_self

app_name = "drivers_driver"

urlpatterns = [
    path("", views_driver.my_file, name="my-file"),
    path("register/", views_driver.register, name="register"),
    path("edit/", views_driver.my_file_edit, name="my-file-edit"),
    path("correct/", views_driver.correction_new, name="correction-new"),
    path("vehicles/new/", views_self.vehicle_new, name="vehicle-new"),
    path("vehicles/<uuid:public_id>/", views_self.vehicle_edit, name="vehicle-edit"),
    path("vehicles/<uuid:public_id>/remove/", views_self.vehicle_remove, name="vehicle-remove"),
    path("family/new/", views_self.family_new, name="family-new"),
    path("family/<uuid:public_id>/", views_self.family_edit, name="family-edit"),
    path("my-data/", views_driver.my_data, name="my-data"),
    path("my-data.json", views_driver.my_data_json, name="my-data-json"),
    path("delete/", views_driver.delete_request, name="delete-request"),
    path("consents/<str:purpose>/", views_driver.consent_toggle, name="consent-toggle"),
]
