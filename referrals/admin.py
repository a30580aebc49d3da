from django.contrib import admin, messages
from django.utils import timezone

from referrals.models import ApiClient, OffenceType
from referrals.services import revoke_api_client, rotate_api_client_token


@admin.register(OffenceType)
class OffenceTypeAdmin(admin.ModelAdmin):
    """Reference data only: case content is never shown in the admin."""

    list_display = ("code", "description", "category", "most_serious")
    list_filter = ("category", "most_serious")
    search_fields = ("code", "description")


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Make, rotate and revoke API clients; a new token is shown once, in a message."""

    list_display = ("name", "force", "token_hint", "rate_per_second", "revoked_at", "last_used_at")
    list_filter = ("force",)
    readonly_fields = ("token_hint", "revoked_at", "last_used_at", "created_at")
    fields = (
        "name",
        "force",
        "rate_per_second",
        "token_hint",
        "revoked_at",
        "last_used_at",
        "created_at",
    )
    actions = ("rotate_tokens", "revoke_clients")

    def save_model(self, request, obj, form, change):
        if not change:
            token = obj.issue_token()
            super().save_model(request, obj, form, change)
            self._show_token(request, obj, token)
        else:
            super().save_model(request, obj, form, change)

    def _show_token(self, request, obj, token):
        self.message_user(
            request,
            f"Token for {obj.name} (shown once, only its hash is kept): {token}",
            level=messages.WARNING,
        )

    @admin.action(description="Rotate the token of the selected clients")
    def rotate_tokens(self, request, queryset):
        for client in queryset:
            self._show_token(request, client, rotate_api_client_token(client))

    @admin.action(description="Revoke the selected clients")
    def revoke_clients(self, request, queryset):
        for client in queryset:
            revoke_api_client(client, now=timezone.now())
        self.message_user(request, f"Revoked {queryset.count()} client(s).")
