from django.urls import path

from home import views

app_name = "home"

urlpatterns = [
    path("c/<slug:slug>/", views.collaborative_home, name="collaborative_home"),
    path("c/<slug:slug>/at-the-table/", views.at_the_table, name="at_the_table"),
]
