from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The top layer: pages that bring the apps together, and the demo data. Nothing imports it."""

    name = "home"
