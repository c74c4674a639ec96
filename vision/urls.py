from django.urls import path

from vision import views

app_name = "vision"

urlpatterns = [
    path("c/<slug:slug>/vision/", views.vision_home, name="home"),
    path("c/<slug:slug>/vision/new/", views.version_new, name="version_new"),
    path("c/<slug:slug>/vision/compare/", views.version_compare, name="compare"),
    path("c/<slug:slug>/vision/<int:number>/", views.version_detail, name="version"),
    path("c/<slug:slug>/vision/<int:number>/change/", views.version_edit, name="version_edit"),
    path("c/<slug:slug>/vision/<int:number>/adopt/", views.version_adopt_view, name="version_adopt"),
    path("c/<slug:slug>/vision/<int:number>/set-aside/", views.version_set_aside_view, name="version_set_aside"),
    path("c/<slug:slug>/vision/<int:number>/contribute/", views.contribute, name="contribute"),
    path(
        "c/<slug:slug>/vision/contributions/<int:pk>/withdraw/",
        views.contribution_withdraw_view,
        name="contribution_withdraw",
    ),
    path("c/<slug:slug>/goals/", views.goal_list, name="goals"),
    path("c/<slug:slug>/goals/new/", views.goal_new, name="goal_new"),
    path("c/<slug:slug>/goals/<int:pk>/", views.goal_detail, name="goal"),
    path("c/<slug:slug>/goals/<int:pk>/change/", views.goal_edit, name="goal_edit"),
    path("c/<slug:slug>/goals/<int:pk>/review/", views.goal_review_view, name="goal_review"),
    path("c/<slug:slug>/framework/", views.framework, name="framework"),
    path("c/<slug:slug>/framework/new/", views.statement_new, name="statement_new"),
    path("c/<slug:slug>/framework/<int:pk>/change/", views.statement_edit, name="statement_edit"),
    path("c/<slug:slug>/framework/<int:pk>/status/", views.statement_status, name="statement_status"),
    path("c/<slug:slug>/self-assessment/", views.round_list, name="rounds"),
    path("c/<slug:slug>/self-assessment/new/", views.round_new, name="round_new"),
    path("c/<slug:slug>/self-assessment/<int:pk>/", views.round_detail, name="round"),
    path(
        "c/<slug:slug>/self-assessment/<int:pk>/comments/<int:statement_pk>/",
        views.round_comments,
        name="round_comments",
    ),
    path("c/<slug:slug>/self-assessment/<int:pk>/dates/", views.round_dates, name="round_dates"),
    path("c/<slug:slug>/self-assessment/<int:pk>/close/", views.round_close_view, name="round_close"),
    path("c/<slug:slug>/self-assessment/<int:pk>/results.csv", views.round_csv, name="round_csv"),
]
