from django.contrib import admin

from referrals.models import OffenceType


@admin.register(OffenceType)
class OffenceTypeAdmin(admin.ModelAdmin):
    """Reference data only: case content is never shown in the admin."""

    list_display = ("code", "description", "category", "most_serious")
    list_filter = ("category", "most_serious")
    search_fields = ("code", "description")
