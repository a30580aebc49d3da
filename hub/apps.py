from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = "Hub"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from hub.signin import note_sign_in

        user_logged_in.connect(note_sign_in, dispatch_uid="hub-note-sign-in")
