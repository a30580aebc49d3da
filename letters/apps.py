from django.apps import AppConfig


class LettersConfig(AppConfig):
    """Letter and email templates, rendering (WeasyPrint), sending and print runs."""

    name = "letters"
    verbose_name = "Letters"
