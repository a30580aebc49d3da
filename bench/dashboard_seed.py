"""A year of a large force for the dashboard's bench, written by PostgreSQL itself.

Bench-only: one force, its staff, services and volunteers through the ORM (a few dozen
rows), then every victim, crime, referral, case, call, letter, assessment, outcome score,
allocation, onward referral and volunteer assignment as ``INSERT … SELECT`` over
``generate_series``: no row passes through Python, so a million cases take minutes, not
hours. The distributions follow DOMAIN.md: a quarter of victims with needs (every
domestic-abuse victim among them), three calls for those never reached, about 11% of
those reached declining (13% for domestic abuse) and 31% supported (38%), letters by
email where given (60%) else by post, outcomes mostly improving at closure.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from hub.calendar import LONDON

AREAS = ("Cambridge", "Peterborough", "Huntingdonshire", "Fenland", "East Cambs", "South Cambs")
SOURCES = (  # cumulative share, source
    (0.90, "police_api"),
    (0.97, "adt_batch"),
    (0.985, "partner_agency"),
    (0.996, "transfer_in"),
    (1.0, "self_referral"),
)
VCCS, CASEWORKERS, VOLUNTEERS, SERVICES = 40, 10, 17, 12
LANGUAGES = (["Polish"], ["Romanian"], ["Lithuanian", "Russian"], ["Urdu", "Punjabi"], [])


def _staff(force):
    from django.contrib.auth.models import Group

    from casework.models import Service, Volunteer
    from hub.models import User

    def user(username, role, **fields):
        made = User.objects.create(username=username, force=force, **fields)
        made.groups.add(Group.objects.get(name=role))
        return made

    manager = user("bench-manager", "Manager", first_name="Bench", last_name="Manager")
    user("bench-analyst", "Analyst", first_name="Bench", last_name="Analyst")
    vccs = [user(f"bench-vcc-{n}", "VCC", last_name=f"VCC {n}") for n in range(VCCS)]
    workers = [
        user(f"bench-cw-{n}", "Caseworker", last_name=f"Caseworker {n}") for n in range(CASEWORKERS)
    ]
    helpers = [
        Volunteer.objects.create(
            user=user(f"bench-vol-{n}", "Volunteer", last_name=f"Volunteer {n}"),
            languages=LANGUAGES[n % len(LANGUAGES)],
            vetted_until=dt.date(2030, 1, 1),
            trained_until=dt.date(2030, 1, 1),
            capacity=5,
        )
        for n in range(VOLUNTEERS)
    ]
    services = [
        Service.objects.create(
            force=force,
            name=f"Bench service {n}",
            organisation="Bench",
            description="A service for the bench.",
        )
        for n in range(SERVICES)
    ]
    return manager, vccs, workers, helpers, services


def _pick(column: str, choices) -> str:
    """A SQL CASE choosing by cumulative share on a random column."""
    arms = " ".join(f"WHEN {column} < {share} THEN '{value}'" for share, value in choices)
    return f"CASE {arms} END"


def seed(*, cases: int, first: dt.date, days: int = 365, now: dt.datetime) -> dict:
    """Seed ``cases`` cases received over ``days`` days from ``first``; their ids."""
    from hub.models import Force

    force = Force.objects.create(
        code="BENCHDASH", name="Bench Constabulary", hub_name="Bench Victims' Hub"
    )
    manager, vccs, workers, helpers, services = _staff(force)
    start = dt.datetime.combine(first, dt.time(), tzinfo=LONDON)
    params = {
        "n": cases,
        "start": start,
        "days": days,
        "now": now,
        "force": force.pk,
        "manager": manager.pk,
        "vccs": [u.pk for u in vccs],
        "workers": [u.pk for u in workers],
        "helpers": [v.pk for v in helpers],
        "services": [s.pk for s in services],
        "areas": list(AREAS),
    }
    source = _pick("r_source", SOURCES)
    statements = [
        "SELECT setseed(0.31)",
        f"""
        CREATE UNLOGGED TABLE bench_seed AS
        SELECT n, received_at, source, da, needs, r_reach, r_out, r_email, r_vcc, r_extra,
               r_area, r_off, r_delay,
               CASE WHEN NOT needs THEN 'info'
                    WHEN r_reach >= 0.6 THEN 'unreached'
                    WHEN r_out < CASE WHEN da THEN 0.13 ELSE 0.11 END THEN 'declined'
                    WHEN r_out < CASE WHEN da THEN 0.51 ELSE 0.42 END THEN 'supported'
                    ELSE 'single' END AS path,
               CASE WHEN NOT needs THEN 4 WHEN da OR r_extra < 0.3 THEN 1
                    WHEN r_extra < 0.6 THEN 2 ELSE 3 END AS priority
        FROM (
            SELECT n,
                   %(start)s::timestamptz + random() * (%(days)s * interval '1 day')
                       AS received_at,
                   {source} AS source,
                   r_da < 0.15 AS da, (r_da < 0.15 OR r_needs < 0.12) AS needs,
                   r_reach, r_out, r_email, r_vcc, r_extra, r_area, r_off, r_delay
            FROM (
                SELECT n, random() AS r_source, random() AS r_da, random() AS r_needs,
                       random() AS r_reach, random() AS r_out, random() AS r_email,
                       random() AS r_vcc, random() AS r_extra, random() AS r_area,
                       random() AS r_off, random() AS r_delay
                FROM generate_series(1, %(n)s) AS n
            ) r
        ) s
        """,  # noqa: S608 (the CASE is built from this module's constants)
        """
        CREATE UNLOGGED TABLE bench_case AS
        SELECT s.*,
               received_at + (1 + r_delay * 40) * interval '1 hour' AS called_at,
               CASE path WHEN 'info' THEN received_at + interval '3 hours' END AS info_at,
               (%(now)s::timestamptz - received_at) > interval '60 days' AS old,
               (%(vccs)s::bigint[])[1 + floor(r_vcc * array_length(%(vccs)s::bigint[], 1))]
                   AS vcc,
               CASE WHEN path = 'supported' AND r_extra < 0.05 THEN
                   (%(workers)s::bigint[])[1 + floor(r_out * 100)::int
                       %% array_length(%(workers)s::bigint[], 1)]
               END AS worker
        FROM bench_seed s
        """,
        """
        INSERT INTO referrals_person (id, created_at, updated_at, kind, given_name, family_name,
            business_contact_name, phone, email, address_line1, address_line2, town, postcode,
            preferred_language, preferred_contact, match_key, force_id)
        SELECT n, received_at, received_at, 'adult', 'Bench', 'Victim ' || n, '',
               '07700 900000', CASE WHEN r_email < 0.6 THEN 'v' || n || '@example.org'
               ELSE '' END, n || ' High Street', '', 'Ely', 'CB7 4AA', 'en', 'phone', '',
               %(force)s
        FROM bench_case
        """,
        """
        INSERT INTO referrals_crimereport (id, created_at, updated_at, reference, offence_code,
            offence_description, reported_on, area, officer_name, officer_email, force_id,
            offence_id)
        SELECT n, received_at, received_at, 'B/' || n, o.code, '',
               (received_at AT TIME ZONE 'Europe/London')::date,
               (%(areas)s::text[])[1 + floor(r_area * array_length(%(areas)s::text[], 1))],
               '', '', %(force)s, o.id
        FROM bench_case
        JOIN referrals_offencetype o ON o.id = 1 + floor(r_off * 60)
        WHERE source <> 'self_referral'
        """,
        """
        INSERT INTO referrals_referral (id, created_at, updated_at, public_id, source,
            source_reference, request_hash, consent_basis, received_at, referrer,
            confidential_from_police, crime_id, force_id, person_id)
        SELECT n, received_at, received_at, gen_random_uuid(), source, '', '',
               CASE WHEN source = 'adt_batch' THEN 'adt' ELSE 'consent' END, received_at, '',
               source = 'self_referral', CASE WHEN source <> 'self_referral' THEN n END,
               %(force)s, n
        FROM bench_case
        """,
        """
        INSERT INTO casework_case (id, created_at, updated_at, reference, state, closure_reason,
            episode, priority, priority_reasons, enhanced_police, enhanced_derived,
            domestic_abuse, first_contact_due, information_due, restricted, voicemail_ok,
            post_ok, email_ok, sms_ok, lives_with_suspect, safe_times, interpreter,
            communication_needs, opened_at, first_contact_at, support_started_at, closed_at,
            force_id, person_id, referral_id, responsible_id, attention, large_print,
            legal_hold, legal_hold_reason)
        SELECT n, received_at, received_at, 'VB-' || lpad(n::text, 10, '0'),
               CASE WHEN path = 'info' THEN CASE WHEN old THEN 'closed' ELSE 'information_sent'
                    END
                    WHEN path = 'unreached' THEN CASE WHEN old THEN 'closed'
                         ELSE 'unable_to_contact' END
                    WHEN path IN ('declined', 'single') THEN 'closed'
                    ELSE CASE WHEN old THEN 'closed' ELSE 'support' END END,
               CASE WHEN path = 'info' THEN CASE WHEN old THEN 'information_only' ELSE '' END
                    WHEN path = 'unreached' THEN CASE WHEN old THEN 'no_contact' ELSE '' END
                    WHEN path = 'declined' THEN 'declined'
                    WHEN path = 'single' THEN 'single_contact_support'
                    ELSE CASE WHEN old THEN 'support_complete' ELSE '' END END,
               1, priority, '{}', '{}', '{}', da,
               CASE WHEN needs THEN received_at + CASE priority WHEN 1 THEN interval '1 day'
                    WHEN 2 THEN interval '2 days' ELSE interval '7 days' END END,
               CASE WHEN NOT needs THEN received_at + interval '1 day' END,
               false, false, NOT da, r_email < 0.6 AND NOT da, false, false, '[]', '', '',
               received_at,
               CASE WHEN path IN ('declined', 'supported', 'single') THEN called_at END,
               CASE WHEN path = 'supported' THEN called_at + interval '2 days' END,
               CASE WHEN path IN ('declined', 'single') THEN called_at + interval '1 hour'
                    WHEN path = 'info' AND old THEN received_at + interval '14 days'
                    WHEN path = 'unreached' AND old THEN called_at + interval '20 days'
                    WHEN path = 'supported' AND old THEN called_at + interval '50 days' END,
               %(force)s, n, n, CASE WHEN needs THEN coalesce(worker, vcc) END, '', false,
               false, ''
        FROM bench_case
        """,
        # Calls: one that reached the victim, or three unanswered a day apart.
        """
        INSERT INTO casework_contactattempt (episode, number, band, window_start, window_end,
            late, call_back, planned_at, outcome, recorded_at, note, case_id, recorded_by_id)
        SELECT 1, k, 'morning', called_at + (k - 1) * interval '1 day',
               called_at + (k - 1) * interval '1 day' + interval '3 hours', false, false,
               received_at, CASE path WHEN 'unreached' THEN 'no_answer'
                    WHEN 'declined' THEN 'declined' ELSE 'wants_support' END,
               called_at + (k - 1) * interval '1 day', '', n, vcc
        FROM bench_case, generate_series(1, 3) AS k
        WHERE needs AND (k = 1 OR path = 'unreached')
        """,
        # Letters: information (no needs), unable to contact (three failed calls), closing.
        """
        INSERT INTO letters_letter (created_at, updated_at, episode, purpose, trigger, due_at,
            status, attempts, last_error, channel, content, pdf, pdf_sha256, message_id,
            sent_at, cost_pence, case_id)
        SELECT at, at, 1, purpose, trigger, at, 'sent', 1, '', channel, '{}', '', '', '', at,
               CASE channel WHEN 'post' THEN 95 ELSE 0 END, n
        FROM (
            SELECT n, CASE WHEN path = 'info' THEN 'information'
                           WHEN path = 'unreached' THEN 'unable_to_contact' ELSE 'closing' END
                          AS purpose,
                   CASE WHEN path = 'info' THEN 'referral' ELSE 'episode-1' END AS trigger,
                   CASE WHEN path = 'info' THEN info_at
                        WHEN path = 'unreached' THEN called_at + interval '2 days 1 hour'
                        WHEN path = 'single' THEN called_at + interval '1 hour'
                        ELSE called_at + interval '50 days' END AS at,
                   CASE WHEN r_email < 0.6 AND NOT da THEN 'email' ELSE 'post' END AS channel
            FROM bench_case
            WHERE path IN ('info', 'unreached', 'single') OR (path = 'supported' AND old)
        ) l
        """,
        """
        INSERT INTO assessments_dvna (created_at, updated_at, episode, started_at, completed_at,
            case_id, started_by_id, completed_by_id)
        SELECT called_at, called_at, 1, called_at, called_at + interval '2 days', n, vcc, vcc
        FROM bench_case WHERE path = 'supported'
        """,
        # The four outcomes at assessment, and at closure for those supported to the end.
        """
        CREATE UNLOGGED TABLE bench_scores AS
        SELECT n, called_at, old, vcc,
               1 + floor(random() * 3)::int AS h, 1 + floor(random() * 3)::int AS c,
               1 + floor(random() * 3)::int AS s, 1 + floor(random() * 3)::int AS e
        FROM bench_case WHERE path = 'supported'
        """,
        """
        INSERT INTO assessments_outcomescores (created_at, updated_at, episode, stage, health,
            coping, safety, empowerment, recorded_at, case_id, recorded_by_id)
        SELECT called_at, called_at, 1, 'start', h, c, s, e, called_at, n, vcc FROM bench_scores
        UNION ALL
        SELECT called_at + interval '50 days', called_at + interval '50 days', 1, 'close',
               least(5, greatest(1, h + floor(random() * 4)::int - 1)),
               least(5, greatest(1, c + floor(random() * 4)::int - 1)),
               least(5, greatest(1, s + floor(random() * 4)::int - 1)),
               least(5, greatest(1, e + floor(random() * 3)::int)),
               called_at + interval '50 days', n, vcc
        FROM bench_scores WHERE old
        """,
        # Allocation: each case with needs given to its co-ordinator (or a caseworker).
        """
        INSERT INTO casework_caseevent (kind, at, from_state, to_state, reason, detail,
            actor_id, case_id)
        SELECT 'allocated', received_at + interval '30 minutes', '', '', 'Allocated.',
               jsonb_build_object('to', coalesce(worker, vcc)), %(manager)s, n
        FROM bench_case WHERE needs
        """,
        """
        INSERT INTO casework_onwardreferral (created_at, updated_at, episode, status, shared,
            reason, sent_at, status_at, note, case_id, sent_by_id, service_id)
        SELECT called_at + interval '3 days', called_at + interval '3 days', 1,
               CASE WHEN old THEN 'done' ELSE 'sent' END, '["name"]', 'Bench',
               called_at + interval '3 days', called_at + interval '3 days', '', n, vcc,
               (%(services)s::bigint[])[1 + floor(r_area * array_length(%(services)s::bigint[],
                   1))]
        FROM bench_case WHERE path = 'supported' AND r_extra < 0.25
        """,
        """
        INSERT INTO casework_volunteerassignment (created_at, updated_at, brief, started_at,
            ended_at, case_id, started_by_id, ended_by_id, volunteer_id)
        SELECT called_at + interval '4 days', called_at + interval '4 days', 'Visit',
               called_at + interval '4 days',
               CASE WHEN old THEN called_at + interval '50 days' END, n, vcc,
               CASE WHEN old THEN vcc END,
               (%(helpers)s::bigint[])[1 + (n %% array_length(%(helpers)s::bigint[], 1))]
        FROM bench_case WHERE path = 'supported' AND r_delay < 0.015
        """,
    ]
    tables = (
        "referrals_person",
        "referrals_crimereport",
        "referrals_referral",
        "casework_case",
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, params)
        for table in tables:
            # Explicit ids were written: the identity continues after them.
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        cursor.execute("DROP TABLE bench_scores, bench_case, bench_seed")
        cursor.execute("ANALYZE")
    return {"force": force.pk, "manager": manager.pk}
