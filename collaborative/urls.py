from django.contrib import admin
from django.urls import include, path

from collaborative import views

admin.site.site_header = "Living Well Collaboratives: site administration"
admin.site.site_title = "Site administration"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("members.urls")),
]
