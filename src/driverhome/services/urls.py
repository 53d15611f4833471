from django.urls import path

from . import views

app_name = "services"

urlpatterns = [
    path("", views.recommendations, name="recommendations"),
    path("recommendations/refresh/", views.recommendations_refresh, name="recommendations-refresh"),
    path(
        "recommendations/<uuid:public_id>/accept/",
        views.recommendation_accept,
        name="recommendation-accept",
    ),
    path(
        "recommendations/<uuid:public_id>/dismiss/",
        views.recommendation_dismiss,
        name="recommendation-dismiss",
    ),
    path("requests/<uuid:public_id>/fulfil/", views.request_fulfil, name="request-fulfil"),
    path("requests/<uuid:public_id>/decline/", views.request_decline, name="request-decline"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/items/new/", views.item_new, name="item-new"),
    path("catalogue/<str:code>/edit/", views.item_edit, name="item-edit"),
    path("catalogue/nodes/new/", views.node_edit, name="node-new"),
    path("catalogue/nodes/<str:code>/edit/", views.node_edit, name="node-edit"),
    path("records/", views.record_list, name="record-list"),
    path("records/new/", views.record_new, name="record-new"),
    path("records/group/", views.record_bulk, name="record-bulk"),
    path("journey/<uuid:public_id>/", views.journey_view, name="journey"),
    path("care/", views.care, name="care"),
    path("care/<slug:code>/", views.care_term, name="care-term"),
    path("care/<slug:code>/enrol/", views.care_enrol, name="care-enrol"),
    path("care/<slug:code>/attendance/", views.care_attendance, name="care-attendance"),
    path("care/enrolments/<uuid:public_id>/withdraw/", views.care_withdraw, name="care-withdraw"),
    path("workshop/", views.workshop, name="workshop"),
    path("workshop/<slug:code>/earnings/", views.workshop_earning, name="workshop-earning"),
    path("workshop/<slug:code>/members/", views.workshop_member_add, name="workshop-member-add"),
    path("training/", views.training, name="training"),
]
