from django.urls import path

from impact import views
from impact.feeds import feed

app_name = "impact"

urlpatterns = [
    # Facilitators: what could be published, and what is.
    path("c/<slug:slug>/what-changed/", views.manage, name="manage"),
    path("c/<slug:slug>/what-changed/publish/", views.publish, name="publish"),
    path("c/<slug:slug>/what-changed/<int:pk>/edit/", views.edit, name="edit"),
    path("c/<slug:slug>/what-changed/<int:pk>/hide/", views.hide, name="hide"),
    path("c/<slug:slug>/what-changed/<int:pk>/show/", views.show, name="show"),
    path("c/<slug:slug>/what-changed/<int:pk>/latest-answers/", views.answers_update, name="answers_update"),
    path("c/<slug:slug>/what-changed/<int:pk>/ask-to-name/", views.credit_request, name="credit_ask"),
    # A member: may their name show on an item?
    path("c/<slug:slug>/what-changed/named/<int:pk>/", views.credit, name="credit"),
    # Anyone, if the Collaborative has a public page.
    path("public/<slug:slug>/what-changed/", views.public, name="public"),
    path("public/<slug:slug>/what-changed/feed/", feed, name="feed"),
    path("public/<slug:slug>/what-changed/<int:pk>/", views.item, name="item"),
    # The annual impact report (issue 17, item 7).
    path("c/<slug:slug>/report/", views.report, name="report"),
    path("c/<slug:slug>/report/report.pdf", views.report_pdf, name="report_pdf"),
    path("c/<slug:slug>/report/report.csv", views.report_csv, name="report_csv"),
]
