from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self):
        from referrals.models import OffenceType
        from referrals.people import forget_offence_table

        for signal in (post_save, post_delete):
            signal.connect(forget_offence_table, sender=OffenceType, dispatch_uid="offences")
