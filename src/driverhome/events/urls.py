from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="event-list"),
    path("new/", views.event_new, name="event-new"),
    path("schedules/new/", views.schedule_new, name="schedule-new"),
    path("courses/", views.course_list, name="course-list"),
    path("courses/<slug:code>/", views.course_detail, name="course-detail"),
    path("courses/<slug:code>/complete/", views.course_complete, name="course-complete"),
    path("certificates/<str:number>/", views.certificate, name="certificate"),
    path("<str:code>/", views.event_detail, name="event-detail"),
    path("<str:code>/edit/", views.event_edit, name="event-edit"),
    path("<str:code>/move/", views.event_move, name="event-move"),
    path("<str:code>/cancel/", views.event_cancel, name="event-cancel"),
    path("<str:code>/close/", views.event_close, name="event-close"),
    path("<str:code>/register/", views.event_register, name="event-register"),
    path(
        "<str:code>/registrations/<uuid:registration>/cancel/",
        views.registration_cancel,
        name="registration-cancel",
    ),
    path("<str:code>/check-in/", views.event_check_in, name="event-check-in"),
    path("<str:code>/qr/", views.event_qr, name="event-qr"),
    path("<str:code>/qr.svg", views.event_qr_image, name="event-qr-image"),
    path("<str:code>/desk/<uuid:driver>/", views.event_desk, name="event-desk"),
    path("<str:code>/desk/<uuid:driver>/service/", views.event_service, name="event-service"),
    path("<str:code>/desk/<uuid:driver>/request/", views.event_request, name="event-request"),
    path("<str:code>/stalls/", views.event_stall, name="event-stall"),
    path("<str:code>/stalls/<slug:organisation>/remove/", views.stall_remove, name="stall-remove"),
]
