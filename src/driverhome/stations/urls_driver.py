"""Driver site pages, mounted at /d/stations/: public except check-in and rating."""

from django.urls import path

from . import views_driver

app_name = "stations_driver"

urlpatterns = [
    path("", views_driver.nearby, name="nearby"),
    path("map/", views_driver.station_map, name="station-map"),
    path("<slug:code>/", views_driver.station_detail, name="station-detail"),
    path("<slug:code>/check-in/<str:key>/", views_driver.checkin, name="checkin"),
    path("<slug:code>/review/", views_driver.review_new, name="review-new"),
    path("<slug:code>/photos/<uuid:photo_id>/", views_driver.station_photo, name="station-photo"),
]
