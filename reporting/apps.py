from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Dashboards and commissioner reports: reads case data, never changes it."""

    name = "reporting"
    verbose_name = "Reporting"
