"""hub.sql: ids drawn first, then several related tables written in one statement."""

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from hub.models import Force
from hub.sql import (
    IdPool,
    Pipeline,
    Upsert,
    allocate_ids,
    build,
    insert_new_rows,
    insert_or_lock,
    insert_or_lock_each,
)
from referrals.models import OffenceType


@pytest.mark.django_db
def test_ids_come_from_the_sequences_and_rows_land_in_one_statement():
    ids = allocate_ids({Force: 3, OffenceType: 0})
    assert len(set(ids[Force])) == 3
    assert ids[OffenceType] == []
    forces = [Force(pk=pk, code=f"F{pk}", name=f"Force {pk}", hub_name="Hub") for pk in ids[Force]]
    with CaptureQueriesContext(connection) as queries:
        insert_new_rows([forces])
    assert len(queries) == 1
    assert set(Force.objects.filter(pk__in=ids[Force]).values_list("code", flat=True)) == {
        f"F{pk}" for pk in ids[Force]
    }
    # the next ordinary insert does not collide with the ids drawn
    assert Force.objects.create(code="NEXT", name="Next", hub_name="Hub").pk not in ids[Force]


@pytest.mark.django_db
def test_an_id_pool_drawn_along_with_upserts_hands_out_its_ids_and_draws_more_when_short():
    # given a pool of at most 2 forces' and 1 offence type's ids, with a value drawn along
    pool = IdPool({Force: 2, OffenceType: 1}, also=("SELECT 41 + 1", []))
    along = pool.statement()  # (the sequences' names are looked up once a process)
    with CaptureQueriesContext(connection) as queries, Pipeline() as pipeline:
        upserted = pipeline.upsert(
            Upsert([Force(code="POOL", name="Pool", hub_name="Hub")], unique=["code"])
        )
        drawn = pipeline.execute(*along)
        stored, (row,) = upserted(), drawn()
    # when drawn in the upsert's round trip (two statements, one pipeline)
    assert len(queries) == 2
    assert stored[0][1] is True
    assert pool.fill(row) == 42
    # then what is taken comes from the pool, and only a shortfall costs a statement
    with CaptureQueriesContext(connection) as queries:
        first = pool.take({Force: 1, OffenceType: 1})
    assert len(queries) == 0
    with CaptureQueriesContext(connection) as queries:
        second = pool.take({Force: 3})
    assert len(queries) == 1
    assert [len(first[Force]), len(first[OffenceType]), len(second[Force])] == [1, 1, 3]
    taken = first[Force] + second[Force]
    assert len(set(taken)) == 4
    assert not Force.objects.filter(pk__in=taken).exists()


@pytest.mark.django_db
def test_a_failing_row_writes_none_of_the_statement():
    (pk,) = allocate_ids({Force: 1})[Force]
    Force.objects.create(code="DUP", name="Existing", hub_name="Hub")
    rows = [Force(pk=pk, code="DUP", name="Clash", hub_name="Hub")]
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_new_rows([rows])
    assert not Force.objects.filter(pk=pk).exists()


@pytest.mark.django_db
def test_insert_or_lock_inserts_new_rows_and_returns_existing_ones_as_stored():
    Force.objects.create(code="OLD", name="Old name", hub_name="Hub")
    result = insert_or_lock(
        [
            Force(code="NEW", name="New", hub_name="Hub"),
            Force(code="OLD", name="Other name", hub_name="Hub"),
        ],
        unique=["code"],
    )
    (new, new_inserted), (old, old_inserted) = result
    assert (new.code, new_inserted) == ("NEW", True)
    assert (old.code, old.name, old_inserted) == ("OLD", "Old name", False)
    assert new.pk
    assert old.pk


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_insert_or_lock_each_writes_several_tables_together_and_answers_each():
    # given a force already stored and an offence type that is not
    Force.objects.create(code="OLD", name="Old name", hub_name="Hub")
    # when both are inserted or locked together, in a transaction
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        forces, offences, nothing = insert_or_lock_each(
            [
                Upsert([Force(code="OLD", name="Other", hub_name="Hub")], unique=["code"]),
                Upsert(
                    [OffenceType(code="99/9", description="Test", category="other")],
                    unique=["code"],
                ),
                Upsert([], unique=["code"]),
            ]
        )
    # then each model's rows come back as stored, in order, from one statement each
    assert [(f.code, f.name, inserted) for f, inserted in forces] == [("OLD", "Old name", False)]
    assert [(o.code, inserted) for o, inserted in offences] == [("99/9", True)]
    assert nothing == []
    assert len(queries) == 2
    assert OffenceType.objects.filter(code="99/9").exists()


@pytest.mark.django_db
def test_an_error_in_one_of_the_statements_sent_together_is_django_s_and_writes_nothing():
    from django.db import DataError

    # given a new force and an offence type whose description is too long for its column
    rows = [
        Upsert([Force(code="NEWF", name="New", hub_name="Hub")], unique=["code"]),
        Upsert(
            [OffenceType(code="99/8", description="x" * 201, category="other")],
            unique=["code"],
        ),
    ]
    # when they are sent together, then Django's error is raised and neither is written
    with pytest.raises(DataError), transaction.atomic():
        insert_or_lock_each(rows)
    assert not Force.objects.filter(code="NEWF").exists()
    assert not OffenceType.objects.filter(code="99/8").exists()


@pytest.mark.django_db
def test_a_pipeline_reads_rows_while_more_is_sent_and_raises_an_error_as_django_s():
    ids = allocate_ids({Force: 2})[Force]
    forces = [Force(pk=pk, code=f"P{pk}", name="P", hub_name="Hub") for pk in ids]
    read = []

    def send_all():
        with transaction.atomic(), Pipeline() as pipeline:
            # a force upserted and read back before more is sent
            upserted = pipeline.upsert(
                Upsert([Force(code="PIPE", name="Pipe", hub_name="Hub")], unique=["code"])
            )
            read.extend((force.code, inserted) for force, inserted in upserted())
            # then a write that breaks a unique key, and another after it
            pipeline.insert([forces[:1]])
            pipeline.insert([[Force(pk=ids[0], code="AGAIN", name="A", hub_name="Hub")]])
            pipeline.insert([forces[1:]])

    # when sent, then the rows were read, Django's error is raised and nothing is kept
    with pytest.raises(IntegrityError):
        send_all()
    assert read == [("PIPE", True)]
    assert not Force.objects.filter(code__in=["PIPE", "AGAIN", *(f.code for f in forces)]).exists()


TRICKY = ['O\'Brien \\ "quoted"', "Zoë 😀 ‎", "%s %(x)s {}", "", "  spaced  "]


def tricky_forces(count: int, prefix: str) -> list[Force]:
    ids = allocate_ids({Force: count})[Force]
    return [
        Force(
            pk=pk,
            code=f"{prefix}{n}",
            name=TRICKY[n % len(TRICKY)],
            hub_name="Hub \n on two lines",
            hub_email="",
            opening_hours={"mon": ["08:00", "20:00"], "sun": None, "note": TRICKY[n % 5]},
            extra_consent_offence_codes=[TRICKY[n % 5][:16], "28/3"] if n % 2 else [],
        )
        for n, pk in enumerate(ids)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 25])
def test_text_json_and_array_values_are_stored_exactly(count):
    # given new rows with quotes, backslashes, SQL parameter markers (%s), emoji and blanks
    forces = tricky_forces(count, "T")
    # when they are written in one statement
    insert_new_rows([forces])
    # then each reads back exactly as it was given, timestamps included
    stored = {f.pk: f for f in Force.objects.filter(pk__in=[f.pk for f in forces])}
    fields = [f.attname for f in Force._meta.concrete_fields]
    for force in forces:
        assert [getattr(stored[force.pk], n) for n in fields] == [getattr(force, n) for n in fields]


@pytest.mark.django_db
def test_values_of_another_type_than_their_column_s_are_stored_as_django_stores_them():
    from hub.models import AuditAction, AuditEvent

    # given audit rows whose values are not of their columns' own types (a number for
    # text, text for a number, a naive time), beside one of a text choice
    naive = dt.datetime(2026, 3, 29, 1, 30)  # noqa: DTZ001 - the point of the test

    def rows():
        return [
            AuditEvent(
                action="consultation", object_type="case", object_id=123, case_id="42", at=naive
            ),
            AuditEvent(
                action=AuditAction.CONSULTATION,
                object_type="case",
                object_id="7",
                case_id=7,
                at=dt.datetime(2026, 3, 29, 2, 30, tzinfo=dt.UTC),
            ),
        ]

    saved, written = rows(), rows()
    with pytest.warns(RuntimeWarning):
        AuditEvent.objects.bulk_create(saved)
    for row, pk in zip(written, allocate_ids({AuditEvent: 2})[AuditEvent], strict=True):
        row.pk = pk
    # when they are written in one statement
    with pytest.warns(RuntimeWarning):
        insert_new_rows([written])
    # then each reads back as Django's own insert stored its twin
    columns = ["action", "object_type", "object_id", "case_id", "at"]
    kept = AuditEvent.objects.in_bulk([r.pk for r in saved + written])
    for mine, twin in zip(written, saved, strict=True):
        assert [getattr(kept[mine.pk], c) for c in columns] == [
            getattr(kept[twin.pk], c) for c in columns
        ]
    assert [getattr(kept[written[0].pk], c) for c in columns[2:4]] == ["123", 42]


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 25])
def test_a_value_too_long_for_its_column_is_refused_not_cut(count):
    from django.db import DataError

    forces = tricky_forces(count, "L")
    forces[-1].name = "x" * 121
    with pytest.raises(DataError), transaction.atomic():
        insert_new_rows([forces])
    assert not Force.objects.filter(code__startswith="L").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 25])
def test_a_column_json_cannot_carry_goes_the_older_way(count):
    # given rows with an IP address (a type the JSON rows do not carry)
    from axes.models import AccessLog

    ids = allocate_ids({AccessLog: count})[AccessLog]
    logs = [
        AccessLog(
            pk=pk, user_agent="ua", ip_address="2001:db8::1", http_accept="*/*", path_info="/"
        )
        for pk in ids
    ]
    insert_new_rows([logs])
    assert set(AccessLog.objects.filter(pk__in=ids).values_list("ip_address", flat=True)) == {
        "2001:db8::1"
    }


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 24])
def test_a_json_field_keeps_sql_null_apart_from_its_values(count):
    from referrals.models import Person

    force = Force.objects.create(code="JSN", name="Json", hub_name="Hub")
    ids = allocate_ids({Person: count})[Person]
    guardians = [None, {"name": 'Zoë "Mum"', "phone": None, "ages": [1, 2.5]}]
    people = [
        Person(
            pk=pk,
            force=force,
            given_name="A",
            family_name=f"B{n}",
            parent_guardian=guardians[n % 2],
        )
        for n, pk in enumerate(ids)
    ]
    insert_new_rows([people])
    stored = dict(Person.objects.filter(pk__in=ids).values_list("pk", "parent_guardian"))
    assert stored == {p.pk: p.parent_guardian for p in people}
    assert Person.objects.filter(pk__in=ids, parent_guardian__isnull=True).count() == count // 2


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 25])
def test_with_own_times_rows_keep_the_times_they_were_given_and_the_rest_are_stamped(count):
    from django.utils import timezone

    # given new rows, all but the first with a time of their own in the past
    past = dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.UTC)
    forces = tricky_forces(count, "O")
    for force in forces:
        force.updated_at = past
    forces[0].updated_at = None
    before = timezone.now()
    # when they are written with their own times
    insert_new_rows([forces], own_times=True)
    # then those given a time keep it, and the first is stamped with the time of the insert
    stored = dict(Force.objects.filter(code__startswith="O").values_list("code", "updated_at"))
    assert stored.pop(forces[0].code) >= before
    assert set(stored.values()) == {past}
    # and without own times, every row is stamped, as save does
    others = tricky_forces(count, "S")
    for force in others:
        force.updated_at = past
    insert_new_rows([others])
    assert not Force.objects.filter(code__startswith="S", updated_at__lt=before).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 25])
def test_own_times_hold_for_rows_json_cannot_carry(count):
    # given rows with an IP address (written the older way), all but the first with an
    # attempt time of their own (an ``auto_now_add`` field)
    from axes.models import AccessLog
    from django.utils import timezone

    past = dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.UTC)
    ids = allocate_ids({AccessLog: count})[AccessLog]
    logs = [
        AccessLog(
            pk=pk,
            user_agent="ua",
            ip_address="2001:db8::1",
            http_accept="*/*",
            path_info="/",
            attempt_time=None if n == 0 else past,
        )
        for n, pk in enumerate(ids)
    ]
    before = timezone.now()
    insert_new_rows([logs], own_times=True)
    stored = dict(AccessLog.objects.filter(pk__in=ids).values_list("pk", "attempt_time"))
    assert stored.pop(ids[0]) >= before
    assert set(stored.values()) == {past}


def comparable(obj):
    values = dict(vars(obj))
    state = values.pop("_state")
    # Defaults made afresh (a public id, the time made) differ between two instances:
    # their kind must not.
    for name, value in values.items():
        if isinstance(value, uuid.UUID | dt.datetime):
            values[name] = type(value)
    return values, state.adding, state.db, dict(state.fields_cache)


@pytest.mark.django_db
def test_build_makes_the_instance_the_model_makes():
    from django.utils import timezone

    from casework.models import Case, CaseEvent
    from hub.models import AuditEvent
    from referrals.models import Person, Referral

    force = Force.objects.create(code="BLD", name="Build", hub_name="Hub")
    now = timezone.now()
    person = Person(force=force, given_name="A", family_name="B")
    referral = Referral(force=force, person=person, source="adt_batch", received_at=now)
    case = Case(force=force, referral=referral, person=person, priority=3, opened_at=now)
    cases = [
        (Person, {"force": force, "given_name": "A", "family_name": "B", "parent_guardian": None}),
        (Referral, {"force": force, "person": person, "source": "adt_batch", "received_at": now}),
        (Referral, {"force_id": force.pk, "crime": None, "source_reference": "X"}),
        (Case, {"force": force, "referral": referral, "person": person, "priority": 3}),
        (Case, {"force": force, "safe_times": [{"days": "mon"}], "voicemail_ok": True}),
        (CaseEvent, {"case": case, "kind": "triaged", "at": now, "actor": None, "detail": {}}),
        (AuditEvent, {"at": now, "action": "collection", "object_type": "referral", "fields": []}),
        (CaseEvent, {}),
    ]
    for model, values in cases:
        assert comparable(build(model, **values)) == comparable(model(**values)), model


@pytest.mark.django_db
def test_build_links_related_instances_as_the_model_does_both_ways():
    from django.utils import timezone

    from casework.models import Case
    from referrals.models import Person, Referral

    force = Force.objects.create(code="LNK", name="Link", hub_name="Hub")
    now = timezone.now()

    def made(make):
        # given a new person and referral (no database yet) and a stored force
        person = Person(force=force, given_name="A", family_name="B")
        referral = Referral(force=force, person=person, source="adt_batch", received_at=now)
        # when a case is made for them (a one-to-one to the referral), and one without
        case = make(Case, force=force, referral=referral, person=person, responsible=None)
        bare = make(Case, force=force, referral=None)
        return case, bare, referral, person

    by_build, by_model = made(build), made(lambda model, **values: model(**values))
    # then each instance, the referral's own cache of its case included, is the same
    for built, modelled in zip(by_build, by_model, strict=True):
        built_values, modelled_values = comparable(built), comparable(modelled)
        assert built_values[:3] == modelled_values[:3]
        assert {k: type(v) for k, v in built_values[3].items()} == {
            k: type(v) for k, v in modelled_values[3].items()
        }
    assert by_build[2]._state.fields_cache["case"] is by_build[0]
    assert by_build[0].referral is by_build[2]


@pytest.mark.django_db
def test_build_leaves_what_it_does_not_handle_to_the_model():
    from casework.models import CaseEvent

    with pytest.raises(TypeError, match="unexpected keyword"):
        build(CaseEvent, kind="triaged", colour="red")
    with pytest.raises(ValueError, match="must be a"):
        build(CaseEvent, kind="triaged", case=Force(code="X"))
    with pytest.raises(TypeError):
        CaseEvent(kind="triaged", colour="red")


@pytest.mark.django_db
def test_build_lets_the_model_send_its_signals_when_anyone_listens():
    from django.db.models.signals import post_init

    from casework.models import CaseEvent

    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=CaseEvent)
    try:
        event = build(CaseEvent, kind="triaged")
    finally:
        post_init.disconnect(receiver, sender=CaseEvent)
    assert seen == [event]
