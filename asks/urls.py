from django.urls import path

from asks import views

app_name = "asks"

urlpatterns: list = []

# ---- The responder's side (issue 17): sending, and the responder's signed link (no account needed).
urlpatterns += [
    path("c/<slug:slug>/asks/<int:pk>/fact-check/", views.send_for_fact_check, name="fact_check_send"),
    path("c/<slug:slug>/asks/<int:pk>/send/", views.send, name="send"),
    path("c/<slug:slug>/asks/<int:pk>/resend/", views.resend, name="resend"),
    path("asks/respond/<str:token>/", views.respond, name="respond"),
    path("asks/respond/<str:token>/files/<str:file>/", views.respond_file, name="respond_file"),
]
