from django.contrib.admin.apps import AdminConfig


class SiteAdminConfig(AdminConfig):
    """Django's admin, with collaborative.admin.SiteAdmin as its site."""

    default_site = "collaborative.admin.SiteAdmin"
