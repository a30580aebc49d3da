"""hub.sql: ids drawn first, then several related tables written in one statement."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from hub.models import Force
from hub.sql import allocate_ids, insert_new_rows, insert_or_lock
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
