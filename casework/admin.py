from django.contrib import admin

from casework.models import Service


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    """The services directory is reference data that administrators keep."""

    list_display = ("name", "organisation", "commissioned", "is_active")
    list_filter = ("force", "commissioned", "is_active")
    search_fields = ("name", "organisation", "description")
    # The id other directories know the service by (Open Referral UK): shown, never edited.
    readonly_fields = ("uuid",)
