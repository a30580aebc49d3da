from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from hub import signin, views

urlpatterns = [
    # First: most requests are police systems' (the API). No pattern below begins with
    # api/, so the order changes no path's view, only how many patterns an API request
    # is tried against.
    path("api/", include("referrals.api.urls")),
    path("", include("casework.urls")),
    path("", include("assessments.urls")),
    path("sign-in/", signin.SignInView.as_view(), name="login"),
    path("sign-in/verify/", signin.verify, name="verify"),
    path("sign-in/set-up/", signin.set_up_authenticator, name="set-up-authenticator"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz/", views.health, name="health"),
    path("referrals/", include("referrals.urls")),
    path("", include("reporting.urls")),
    # Everyone signs in the one way, with the second factor.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
]
