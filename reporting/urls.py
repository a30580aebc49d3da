from django.urls import path

from reporting import dashboard, views

urlpatterns = [
    path("audit/", views.audit_log, name="audit-log"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/cases/", dashboard.dashboard_cases, name="dashboard-cases"),
    path("dashboard/headlines/", dashboard.headlines, name="dashboard-headlines"),
    path("dashboard/report.<str:fmt>", dashboard.report_download, name="dashboard-report"),
    path("dashboard/reports/<int:pk>/", dashboard.report_run_download, name="dashboard-report-run"),
]
