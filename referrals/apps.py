from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self):
        from hub.api import forget_api_clients
        from hub.models import Force
        from referrals.models import ApiClient, OffenceType
        from referrals.people import forget_offence_table

        for signal in (post_save, post_delete):
            signal.connect(forget_offence_table, sender=OffenceType, dispatch_uid="offences")
            for model in (ApiClient, Force):
                signal.connect(
                    forget_api_clients, sender=model, dispatch_uid=f"api-clients-{model.__name__}"
                )
