from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("", views.start, name="start"),
    path("profile/", views.profile, name="profile"),
    path("c/<slug:slug>/", views.collaborative_home, name="collaborative_home"),
    path("c/<slug:slug>/settings/", views.collaborative_settings, name="collaborative_settings"),
    path("c/<slug:slug>/ground-rules/", views.ground_rules, name="ground_rules"),
    path("c/<slug:slug>/members/", views.directory, name="directory"),
    path("c/<slug:slug>/at-the-table/", views.at_the_table, name="at_the_table"),
    path("c/<slug:slug>/members/<int:pk>/", views.member_detail, name="member_detail"),
    path("c/<slug:slug>/ground-rules/change/", views.ground_rules_edit, name="ground_rules_edit"),
]
