from django.urls import path

from actions import views

app_name = "actions"

urlpatterns = [
    path("c/<slug:slug>/actions/", views.action_log, name="log"),
    path("c/<slug:slug>/actions/export.csv", views.action_export, {"format": "csv"}, name="export_csv"),
    path("c/<slug:slug>/actions/export.xlsx", views.action_export, {"format": "xlsx"}, name="export_xlsx"),
    path("c/<slug:slug>/actions/owners/", views.action_log_suggestions, {"field": "owner"}, name="owners"),
    path(
        "c/<slug:slug>/actions/organisations/",
        views.action_log_suggestions,
        {"field": "organisation"},
        name="organisations",
    ),
    path("c/<slug:slug>/actions/new/", views.action_new, name="new"),
    path("c/<slug:slug>/actions/overview/", views.dashboard, name="dashboard"),
    path("c/<slug:slug>/actions/<int:pk>/", views.action_detail, name="detail"),
    path("c/<slug:slug>/actions/<int:pk>/change/", views.action_edit, name="edit"),
    path("c/<slug:slug>/actions/<int:pk>/status/", views.action_status, name="status"),
    path("c/<slug:slug>/actions/<int:pk>/update/", views.action_update, name="update"),
    path("c/<slug:slug>/actions/evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("c/<slug:slug>/actions/reviews/", views.review_list, name="reviews"),
    path("c/<slug:slug>/actions/reviews/new/", views.review_new, name="review_new"),
    path("c/<slug:slug>/actions/reviews/<int:pk>/", views.review_detail, name="review"),
    path("c/<slug:slug>/actions/reviews/<int:round_pk>/actions/<int:pk>/", views.review_item, name="review_item"),
    path("c/<slug:slug>/actions/reviews/<int:pk>/sign-off/", views.review_sign_off, name="review_sign_off"),
]
