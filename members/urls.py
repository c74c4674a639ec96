from django.urls import path

from members import views
from members.reauthentication import reauthenticate_by_email
from members.two_step import two_step

app_name = "members"

urlpatterns = [
    path("", views.start, name="start"),
    path("profile/", views.profile, name="profile"),
    path("profile/my-data/", views.my_data, name="my_data"),
    path("profile/my-data/download/", views.my_data_download, name="my_data_download"),
    path("profile/delete/", views.account_delete, name="account_delete"),
    path("profile/confirm-by-email/", reauthenticate_by_email, name="reauthenticate_by_email"),
    path("two-step/", two_step, name="two_step"),
    path("join/<slug:slug>/", views.public_page, name="public_page"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("c/<slug:slug>/settings/", views.collaborative_settings, name="collaborative_settings"),
    path("c/<slug:slug>/ground-rules/", views.ground_rules, name="ground_rules"),
    path("c/<slug:slug>/members/", views.directory, name="directory"),
    path("c/<slug:slug>/members/<int:pk>/", views.member_detail, name="member_detail"),
    path("c/<slug:slug>/members/<int:pk>/manage/", views.member_manage, name="member_manage"),
    path(
        "c/<slug:slug>/members/<int:pk>/deactivate/",
        views.member_status,
        {"change": "deactivate"},
        name="member_deactivate",
    ),
    path(
        "c/<slug:slug>/members/<int:pk>/reactivate/",
        views.member_status,
        {"change": "reactivate"},
        name="member_reactivate",
    ),
    path("c/<slug:slug>/members/<int:pk>/payments-contact/", views.member_payments, name="member_payments"),
    path("c/<slug:slug>/members/former/", views.former_members, name="former_members"),
    path("c/<slug:slug>/leave/", views.leave, name="leave"),
    path("c/<slug:slug>/break/", views.take_break, name="take_break"),
    path("c/<slug:slug>/invitations/", views.invitations, name="invitations"),
    path("c/<slug:slug>/invitations/<int:pk>/resend/", views.resend_invitation, name="invitation_resend"),
    path("c/<slug:slug>/invitations/<int:pk>/withdraw/", views.revoke_invitation, name="invitation_revoke"),
    path("c/<slug:slug>/join-requests/", views.join_requests, name="join_requests"),
    path(
        "c/<slug:slug>/join-requests/<int:pk>/accept/",
        views.join_request_decide,
        {"decision": "approve"},
        name="join_request_approve",
    ),
    path(
        "c/<slug:slug>/join-requests/<int:pk>/decline/",
        views.join_request_decide,
        {"decision": "decline"},
        name="join_request_decline",
    ),
    path("c/<slug:slug>/ground-rules/change/", views.ground_rules_edit, name="ground_rules_edit"),
]
