from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from hub.models import Force, User


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "force", "is_active", "last_login")
    list_filter = ("is_active", "groups", "force")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("The Hub", {"fields": ("force", "job_title")}),
    )


@admin.register(Force)
class ForceAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "hub_name", "hub_phone")
    search_fields = ("code", "name")
