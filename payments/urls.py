from django.urls import path

from payments import views

app_name = "payments"

# Three groups, kept apart so that each part of the app reads on its own: the person's choice and the
# Collaborative's settings; claims, approval and paying; statements, letters and totals.
urlpatterns = [
    # Settings and choices
    # Claims, approval and paying
    path("c/<slug:slug>/payments/claim/", views.claim, name="claim"),
    path("c/<slug:slug>/payments/activity/", views.activity, name="activity_add"),
    path("c/<slug:slug>/payments/waiting/", views.queue, name="queue"),
    path("c/<slug:slug>/payments/waiting/paid/", views.mark_paid, name="mark_paid"),
    path("c/<slug:slug>/payments/waiting/to-pay.csv", views.export, {"format": "csv"}, name="export_csv"),
    path("c/<slug:slug>/payments/waiting/to-pay.xlsx", views.export, {"format": "xlsx"}, name="export_xlsx"),
    path("c/<slug:slug>/payments/lines/<int:pk>/", views.line, name="line"),
    path("c/<slug:slug>/payments/lines/<int:pk>/approve/", views.line_approve_view, name="line_approve"),
    path("c/<slug:slug>/payments/lines/<int:pk>/refuse/", views.line_refuse_view, name="line_refuse"),
    path("c/<slug:slug>/payments/lines/<int:pk>/correct/", views.line_correct_view, name="line_correct"),
    path("c/<slug:slug>/payments/lines/<int:pk>/receipt/", views.receipt, name="receipt"),
    # Statements, letters and totals
]
