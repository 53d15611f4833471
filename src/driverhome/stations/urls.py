"""Staff console pages, mounted at /console/stations/."""

from django.urls import path

from . import views

app_name = "stations"

urlpatterns = [
    path("", views.station_list, name="station-list"),
    path("new/", views.station_new, name="station-new"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/facilities/new/", views.facility_edit, name="facility-new"),
    path("catalogue/facilities/<slug:code>/", views.facility_edit, name="facility-edit"),
    path("catalogue/rubric/<str:code>/", views.criterion_edit, name="criterion-edit"),
    path("reviews/<uuid:review_id>/reply/", views.review_reply, name="review-reply"),
    path("reviews/<uuid:review_id>/hide/", views.review_hide, name="review-hide"),
    path("assessments/<uuid:assessment_id>/", views.assessment_detail, name="assessment-detail"),
    path("<slug:code>/", views.station_detail, name="station-detail"),
    path("<slug:code>/edit/", views.station_edit, name="station-edit"),
    path("<slug:code>/facilities/", views.station_facilities, name="station-facilities"),
    path("<slug:code>/hours/", views.station_hours, name="station-hours"),
    path("<slug:code>/hours/exceptions/", views.hours_exception_add, name="hours-exception-add"),
    path(
        "<slug:code>/hours/exceptions/<int:exception_id>/remove/",
        views.hours_exception_remove,
        name="hours-exception-remove",
    ),
    path("<slug:code>/availability/", views.availability_update, name="availability-update"),
    path("<slug:code>/sensor-token/", views.sensor_token, name="sensor-token"),
    path("<slug:code>/poster/", views.station_poster, name="station-poster"),
    path("<slug:code>/poster/qr.svg", views.station_qr, name="station-qr"),
    path("<slug:code>/poster/renew/", views.poster_renew, name="poster-renew"),
    path("<slug:code>/check-ins/", views.checkin_list, name="checkin-list"),
    path("<slug:code>/check-ins/new/", views.checkin_new, name="checkin-new"),
    path("<slug:code>/reviews/", views.review_list, name="review-list"),
    path("<slug:code>/assessments/", views.assessment_list, name="assessment-list"),
    path("<slug:code>/assessments/new/", views.assessment_new, name="assessment-new"),
    path("<slug:code>/grade/", views.grade_award, name="grade-award"),
    path("<slug:code>/photos/", views.photo_add, name="photo-add"),
    path("<slug:code>/photos/<uuid:photo_id>/remove/", views.photo_remove, name="photo-remove"),
]
