from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from hub import views

urlpatterns = [
    path("", include("casework.urls")),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz/", views.health, name="health"),
    path("api/", include("referrals.api.urls")),
    path("admin/", admin.site.urls),
]
