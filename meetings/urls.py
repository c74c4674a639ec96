from django.urls import path

from meetings import views

app_name = "meetings"

urlpatterns = [
    path("c/<slug:slug>/meetings/", views.meeting_list, name="list"),
    path("c/<slug:slug>/meetings/new/", views.meeting_schedule_one, name="schedule"),
    path("c/<slug:slug>/meetings/attendance/", views.attendance, name="attendance"),
    path("c/<slug:slug>/meetings/new-series/", views.meeting_schedule_series, name="schedule_series"),
    path("c/<slug:slug>/meetings/<int:pk>/", views.meeting_detail, name="detail"),
    path("c/<slug:slug>/meetings/<int:pk>/rsvp/", views.rsvp, name="rsvp"),
    path("c/<slug:slug>/meetings/<int:pk>/calendar.ics", views.meeting_ics, name="ics"),
    path("calendar/", views.calendar_subscription, name="calendar"),
    path("meetings/answer/<str:token>/", views.rsvp_link, name="rsvp_link"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("c/<slug:slug>/meetings/<int:pk>/change/", views.meeting_edit, name="edit"),
    path("c/<slug:slug>/meetings/<int:pk>/cancel/", views.meeting_cancel_view, name="cancel"),
    path("c/<slug:slug>/meetings/<int:pk>/agenda/", views.agenda_print, name="agenda"),
    path("c/<slug:slug>/meetings/<int:pk>/agenda/propose/", views.agenda_propose, name="agenda_propose"),
    path("c/<slug:slug>/meetings/<int:pk>/agenda/publish/", views.agenda_publish_view, name="agenda_publish"),
    path("c/<slug:slug>/meetings/<int:pk>/ask/", views.rsvp_ask_view, name="rsvp_ask"),
    *[
        path(
            f"c/<slug:slug>/meetings/<int:meeting_pk>/agenda/<int:pk>/{action}/",
            views.agenda_item_decide,
            {"action": action},
            name=f"agenda_item_{action}",
        )
        for action in ["accept", "withdraw", "up", "down"]
    ],
    path(
        "c/<slug:slug>/meetings/<int:meeting_pk>/agenda/<int:pk>/decline/",
        views.agenda_item_decline_view,
        name="agenda_item_decline",
    ),
    path(
        "c/<slug:slug>/meetings/<int:meeting_pk>/agenda/<int:pk>/change/",
        views.agenda_item_edit,
        name="agenda_item_edit",
    ),
    path(
        "c/<slug:slug>/meetings/<int:meeting_pk>/agenda/<int:pk>/take-off/",
        views.agenda_item_remove_view,
        name="agenda_item_remove",
    ),
    path("c/<slug:slug>/meetings/<int:pk>/register/", views.register, name="register"),
    path("c/<slug:slug>/meetings/<int:pk>/register/guests/", views.register_guests_view, name="register_guests"),
    path("c/<slug:slug>/meetings/<int:pk>/register/<int:user_pk>/", views.register_mark_view, name="register_mark"),
    path("c/<slug:slug>/meetings/<int:pk>/notes/", views.notes, name="notes"),
    path("c/<slug:slug>/meetings/<int:pk>/notes/publish/", views.notes_publish_view, name="notes_publish"),
    path("c/<slug:slug>/meetings/<int:pk>/decisions/", views.decision_add, name="decision_add"),
    path(
        "c/<slug:slug>/meetings/<int:pk>/decisions/<int:decision_pk>/withdraw/",
        views.decision_withdraw_view,
        name="decision_withdraw",
    ),
    path("c/<slug:slug>/meetings/<int:pk>/approve-minutes/", views.minutes_approve_view, name="minutes_approve"),
    path("c/<slug:slug>/meetings/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("c/<slug:slug>/check-ins/", views.check_ins, name="check_ins"),
    path("c/<slug:slug>/check-ins/<int:pk>/answered/", views.check_in_answered, name="check_in_answered"),
    path("c/<slug:slug>/venues/", views.venue_list, name="venues"),
    path("c/<slug:slug>/venues/new/", views.venue_edit, name="venue_add"),
    path("c/<slug:slug>/venues/<int:pk>/change/", views.venue_edit, name="venue_edit"),
]
