from django.contrib import admin
from django.urls import include, path

from collaborative import views
from members import views as members_views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # Ahead of allauth's own page of the same name: it also explains an expired code.
    path(
        "accounts/login/code/confirm/",
        members_views.login_code_confirm,
        name="account_confirm_login_code",
    ),
    path("accounts/", include("allauth.urls")),
    path("", include("members.urls")),
    path("", include("notifications.urls")),
    path("", include("meetings.urls")),
    path("", include("vision.urls")),
    path("", include("actions.urls")),
    path("", include("payments.urls")),
    path("", include("asks.urls")),
    path("", include("impact.urls")),
    path("", include("discussions.urls")),
    path("", include("home.urls")),
]
