from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html_join

from hub.errors import DomainError
from letters.models import LetterTemplate
from letters.rendering import PLACEHOLDERS
from letters.services import save_template_version


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    """Letter words by purpose and language. Saving an edit makes the next version; a
    version already used stays as it was, so every letter sent can be made again."""

    list_display = ("purpose", "language", "version", "subject", "created_at", "created_by")
    list_filter = ("purpose", "language")
    fields = ("purpose", "language", "subject", "body", "placeholders")
    readonly_fields = ("placeholders",)

    @admin.display(description="Placeholders you can use")
    def placeholders(self, obj):
        return format_html_join(
            "", "<p><code>{{{{ {} }}}}</code>: {}</p>", sorted(PLACEHOLDERS.items())
        )

    def has_delete_permission(self, request, obj=None):
        return False  # letters sent name their version

    def save_model(self, request, obj, form, change):
        try:
            saved = save_template_version(
                purpose=obj.purpose,
                language=obj.language,
                subject=obj.subject,
                body=obj.body,
                by=request.user,
            )
        except (DomainError, ValidationError) as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        obj.pk, obj.version = saved.pk, saved.version
        if change:
            self.message_user(request, f"Saved as version {saved.version}.", messages.SUCCESS)
