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
    # Statements, letters and totals
]
