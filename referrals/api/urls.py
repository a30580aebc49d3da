from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from referrals.api import schema, views  # noqa: F401 - schema registers extensions

urlpatterns = [
    path("v1/referrals/", views.ReferralCreateView.as_view(), name="api-referral-create"),
    path("v1/referrals/batch/", views.ReferralBatchView.as_view(), name="api-referral-batch"),
    path(
        "v1/referrals/<str:referral_id>/",
        views.ReferralStatusView.as_view(),
        name="api-referral-status",
    ),
    path(
        "v1/court-results/", views.CourtResultCreateView.as_view(), name="api-court-result-create"
    ),
    path("schema/", SpectacularJSONAPIView.as_view(), name="api-schema"),
    # Swagger UI's own script is served separately (no inline script); it styles itself inline.
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
]
