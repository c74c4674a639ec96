from django.urls import path

from impact import views

app_name = "impact"

urlpatterns: list = [
    # The annual impact report (issue 17, item 7).
    path("c/<slug:slug>/report/", views.report, name="report"),
    path("c/<slug:slug>/report/report.pdf", views.report_pdf, name="report_pdf"),
    path("c/<slug:slug>/report/report.csv", views.report_csv, name="report_csv"),
]
