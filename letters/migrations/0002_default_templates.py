"""Version 1 of each letter's words in English; administrators edit them as new versions."""

from django.db import migrations

CONTACT_US = (
    "Please call us on {{ hub_phone }} ({{ hub_hours }}) or email {{ hub_email }}, "
    "quoting reference {{ case_reference }}."
)

TEMPLATES = {
    "information": (
        "Support from {{ hub_name }} if you need it",
        "Dear {{ victim_name }},\n\n"
        "The police have told us about the crime you reported (crime reference "
        "{{ crime_reference }}). I am sorry that this happened to you.\n\n"
        "{{ hub_name }} offers free and confidential support to anyone affected by crime: "
        "someone to talk to, practical help such as home security or claiming compensation, "
        "and introductions to specialist services.\n\n"
        "When the officer spoke to you, you did not need our help. If that changes, at any "
        "time, we are here. " + CONTACT_US + "\n\n"
        "Under the Code of Practice for Victims of Crime you also have the right to be told "
        "how the investigation is going and, if it goes to court, what happens there.",
    ),
    "unable_to_contact": (
        "We tried to call you",
        "Dear {{ victim_name }},\n\n"
        "The police passed your details to {{ hub_name }} because you might find it helpful "
        "to talk to someone after the crime you reported (crime reference "
        "{{ crime_reference }}).\n\n"
        "We have tried to call you three times but have not been able to reach you.\n\n"
        "We offer free and confidential support: someone to talk to, practical help, and help "
        "to understand what happens next with the police and the courts. If you would like "
        "our help, please get in touch by {{ reply_by_date }}. " + CONTACT_US + "\n\n"
        "If we do not hear from you, we will close your referral. You can still contact us "
        "at any time in the future and we will be glad to help.",
    ),
    "court_update": (
        "An update from court",
        "Dear {{ victim_name }},\n\n"
        "We have been told the result of the hearing at {{ court }} on {{ hearing_date }} "
        "in the case of the crime you reported (crime reference {{ crime_reference }}):\n\n"
        "{{ court_result }}\n\n"
        "If you have questions about what this means for you, or would like support, we are "
        "here to help. " + CONTACT_US,
    ),
}


def add_templates(apps, schema_editor):
    LetterTemplate = apps.get_model("letters", "LetterTemplate")
    for purpose, (subject, body) in TEMPLATES.items():
        LetterTemplate.objects.get_or_create(
            purpose=purpose,
            language="en",
            version=1,
            defaults={"subject": subject, "body": body},
        )


class Migration(migrations.Migration):
    dependencies = [("letters", "0001_initial")]

    operations = [migrations.RunPython(add_templates, migrations.RunPython.noop)]
