from django.urls import path

from payments import views

app_name = "payments"

# Three groups, kept apart so that each part of the app reads on its own: the person's choice and the
# Collaborative's settings; claims, approval and paying; statements, letters and totals.
urlpatterns = [
    # Settings and choices
    path("c/<slug:slug>/payments/settings/", views.payment_settings, name="settings"),
    path("c/<slug:slug>/payments/choice/", views.payment_choice, name="choice"),
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
    path("c/<slug:slug>/payments/", views.payments_home, name="home"),
    path("c/<slug:slug>/payments/people/<int:user_pk>/", views.person_payments, name="person"),
    path("c/<slug:slug>/payments/people/<int:user_pk>/statement/", views.statement_page, name="statement"),
    path("c/<slug:slug>/payments/people/<int:user_pk>/statement.csv", views.statement_csv, name="statement_csv"),
    path("c/<slug:slug>/payments/people/<int:user_pk>/statement.pdf", views.statement_pdf, name="statement_pdf"),
    path("c/<slug:slug>/payments/letters/", views.letter_list, name="letters"),
    path("c/<slug:slug>/payments/letters/ask/", views.letter_request, name="letter_ask"),
    path("c/<slug:slug>/payments/letters/<int:pk>/", views.letter_detail, name="letter"),
    path("c/<slug:slug>/payments/letters/<int:pk>/letter.pdf", views.letter_pdf, name="letter_pdf"),
    path("c/<slug:slug>/payments/letters/<int:pk>/sign/", views.letter_signing, name="letter_sign"),
    path("c/<slug:slug>/payments/totals/", views.totals, name="totals"),
]
