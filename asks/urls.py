from django.urls import path

from asks import views

app_name = "asks"

urlpatterns = [
    # The asks pages for members and facilitators (issue 17).
    path("c/<slug:slug>/asks/", views.ask_list, name="list"),
    path("c/<slug:slug>/asks/export.csv", views.ask_export, {"format": "csv"}, name="export_csv"),
    path("c/<slug:slug>/asks/export.xlsx", views.ask_export, {"format": "xlsx"}, name="export_xlsx"),
    path("c/<slug:slug>/asks/propose/", views.ask_propose_view, name="propose"),
    path("c/<slug:slug>/asks/new/", views.ask_new, name="new"),
    path("c/<slug:slug>/asks/<int:pk>/", views.ask_detail, name="detail"),
    path("c/<slug:slug>/asks/<int:pk>/change/", views.ask_edit, name="edit"),
    path("c/<slug:slug>/asks/<int:pk>/take-up/", views.ask_take_up_view, name="take_up"),
    path("c/<slug:slug>/asks/<int:pk>/evidence/", views.ask_evidence_add_view, name="evidence_add"),
    path("c/<slug:slug>/asks/evidence/<int:pk>/", views.ask_evidence, name="evidence"),
    path("c/<slug:slug>/asks/<int:pk>/due-date/", views.ask_due_date, name="due_date"),
    path("c/<slug:slug>/asks/<int:pk>/response/", views.ask_response, name="response"),
    path("c/<slug:slug>/asks/<int:pk>/withdraw/", views.ask_withdraw_view, name="withdraw"),
]

# The responder's side (issue 17): sending, and the responder's signed link (no account needed).
urlpatterns += [
    path("c/<slug:slug>/asks/<int:pk>/fact-check/", views.send_for_fact_check, name="fact_check_send"),
    path("c/<slug:slug>/asks/<int:pk>/send/", views.send, name="send"),
    path("c/<slug:slug>/asks/<int:pk>/resend/", views.resend, name="resend"),
    path("asks/respond/<str:token>/", views.respond, name="respond"),
    path("asks/respond/<str:token>/files/<str:file>/", views.respond_file, name="respond_file"),
]
