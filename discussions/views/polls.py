"""Views of the discussions app (see discussions/urls.py)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
