from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("emails/", views.preferences, name="preferences"),
    path("emails/sent-to-you/", views.my_messages, name="mine"),
    path("emails/sent-to-you/<int:pk>/", views.my_message, name="mine_detail"),
    path("emails/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("c/<slug:slug>/emails/", views.collaborative_messages, name="collaborative_list"),
]
