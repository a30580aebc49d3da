"""Writing many new rows of several models in few round trips.

``bulk_create`` needs a round trip per table, and the ids each insert returns before
the next table can refer to them. Here the ids are drawn from the tables' sequences
first, in one statement, so that all the rows of several related tables can then be
written in one statement of data-modifying CTEs (foreign keys are checked at its end).
Columns and values come from the models' own fields, so a new field needs no change here.

A table's rows travel as one JSON parameter (an array of rows, each an array of column
values) that the statement takes apart: Django's cursor quotes every parameter in Python,
and an array parameter element by element, which cost more than building the rows. A
value JSON cannot carry exactly (a type this module does not know) sends that table's rows
the older way, a parameter per value or an array per column.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import functools
import json
import operator
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import psycopg
from django.contrib.postgres.fields import ArrayField
from django.db import (
    DEFAULT_DB_ALIAS,
    OperationalError,
    connection,
    connections,
    models,
    router,
)
from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.db.models.base import DEFERRED, ModelState
from django.db.models.fields.files import FileDescriptor
from django.db.models.fields.related_descriptors import (
    ForeignKeyDeferredAttribute,
    ForwardManyToOneDescriptor,
    ForwardOneToOneDescriptor,
)
from django.db.models.fields.reverse_related import ForeignObjectRel
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMFieldMixin, FSMModelMixin
from psycopg.pq import Format
from psycopg.types.json import Json, Jsonb


def build(model: type[models.Model], **values) -> models.Model:
    """``model(**values)``: the same unsaved instance, for writers that make thousands.

    ``Model.__init__`` looks up each field's name, attname and default anew for every
    instance (sixty microseconds for a case); here the model's fields are looked up once,
    and the constant defaults are copied in as one dictionary. Anything it does not handle
    (positional values, properties, signal receivers, a model with an ``__init__`` of its
    own) is made by the model itself.
    """
    plan = _build_plan(model)
    if (
        plan is None
        or not plan.names.issuperset(values)
        # Any receiver at all (none is connected today): the model sends the signals.
        or pre_init.receivers
        or post_init.receivers
    ):
        return model(**values)
    obj = model.__new__(model)
    obj._state = ModelState()
    own = obj.__dict__
    own.update(plan.constant)
    for attname, default in plan.made:
        if attname not in values:
            own[attname] = default()
    for attname, default in plan.through_descriptor:
        if attname not in values:
            setattr(obj, attname, default())
    # With no database routers, a related instance is linked as its descriptor would
    # link it, without the routers' questions.
    plain = not router.routers
    for key, value in values.items():
        kind = plan.kinds[key]
        if value is DEFERRED:
            return model(**values)
        if kind is _IN_DICT:
            own[key] = value
        elif kind is _DESCRIPTOR:
            setattr(obj, key, value)
        else:  # a relation given by its name
            if kind.attname in values:
                return model(**values)  # both: the model says what is wrong
            if plain and kind.link is not None:
                if not _link(obj, value, kind.link):
                    return model(**values)  # the descriptor says what is wrong
            else:
                setattr(obj, key, value)
    if plan.state_attnames is not None:
        # As ConcurrentTransitionMixin._update_initial_state records them.
        own[_INITIAL_STATES] = {name: getattr(obj, name) for name in plan.state_attnames}
    return obj


def _link(obj, value, link) -> bool:
    """``obj.<field> = value`` as ``ForwardManyToOneDescriptor.__set__`` does it when no
    router is configured; False (nothing set on ``obj``) where the descriptor would
    refuse."""
    attname, target, cache_name, model, reverse_cache_name = link
    # Straight into the new instance's dictionary: its attname's descriptor would only
    # drop a cached related instance first, and a new instance has none.
    own = obj.__dict__
    if value is None:
        own[attname] = None
        obj._state.fields_cache[cache_name] = None
        return True
    if not isinstance(value, model):
        return False
    state, related = obj._state, value._state
    # As the router says with no routers: the related instance's database, or the default.
    if state.db is None:
        state.db = related.db or DEFAULT_DB_ALIAS
    if related.db is None:
        related.db = state.db
    if related.db != state.db:
        return False
    own[attname] = getattr(value, target)
    state.fields_cache[cache_name] = value
    if reverse_cache_name is not None:
        # One-to-one: the related instance knows this one, as the descriptor makes it.
        related.fields_cache[reverse_cache_name] = obj
    return True


# __init__ methods known to do only what Model.__init__ does (and the FSM's initial state).
_KNOWN_INITS = {models.Model.__init__, FSMModelMixin.__init__, ConcurrentTransitionMixin.__init__}
# Where ConcurrentTransitionMixin keeps the states an update must find in the row.
_INITIAL_STATES = "_ConcurrentTransitionMixin__initial_states"
# How a value is set: straight into the instance's dictionary (what these descriptors'
# own assignment does for a new instance), or through the class's descriptor.
_IN_DICT, _DESCRIPTOR = object(), object()
_DICT_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute, FileDescriptor)


@dataclass(frozen=True)
class _Relation:
    attname: str
    link: tuple | None  # how ``_link`` sets it; None: its descriptor does


@dataclass(frozen=True)
class _BuildPlan:
    names: frozenset  # what ``build`` may be given
    kinds: dict  # each name: _IN_DICT, _DESCRIPTOR or a _Relation
    constant: dict  # attname: a default that is not made afresh for each instance
    made: list  # (attname, default) made afresh, set in the dictionary
    through_descriptor: list  # (attname, default) set through the descriptor
    state_attnames: tuple | None  # the FSM fields, for a ConcurrentTransitionMixin model


@functools.cache
def _build_plan(model) -> _BuildPlan | None:
    if model._meta.abstract or any(
        "__init__" in vars(cls) and vars(cls)["__init__"] not in _KNOWN_INITS
        for cls in model.__mro__[:-1]
    ):
        return None
    kinds, constant, made, through_descriptor = {}, {}, [], []
    for field in model._meta.fields:
        if field.column is None or field.generated:
            continue
        descriptor = next(
            (vars(cls)[field.attname] for cls in model.__mro__ if field.attname in vars(cls)),
            None,
        )
        in_dict = type(descriptor) in _DICT_DESCRIPTORS
        kinds[field.attname] = _IN_DICT if in_dict else _DESCRIPTOR
        if isinstance(field.remote_field, ForeignObjectRel):
            kinds[field.name] = _Relation(field.attname, _link_plan(model, field))
        default = field._get_default
        if not in_dict:
            through_descriptor.append((field.attname, default))
        elif field.has_default() and callable(field.default):
            made.append((field.attname, default))
        else:
            # No default (None or ""), or a constant one, which Django too gives every
            # instance as the same object.
            constant[field.attname] = default()
    # ConcurrentTransitionMixin's __init__ records the initial state after Model's.
    inits = {vars(cls).get("__init__") for cls in model.__mro__}
    states = None
    if ConcurrentTransitionMixin.__init__ in inits:
        states = tuple(f.attname for f in model._meta.fields if isinstance(f, FSMFieldMixin))
    return _BuildPlan(frozenset(kinds), kinds, constant, made, through_descriptor, states)


def _cursor():
    """A cursor of the connection that sends the parameters apart from the statement.

    Django's cursors bind parameters in Python, so PostgreSQL parses, analyses and plans
    each of these long statements anew, with the rows' JSON as a literal in its text: a
    third of PostgreSQL's work for a single referral. Bound by the server, a statement
    whose text recurs (the shapes here do: the rows are one parameter) is prepared once a
    connection and then only executed (``prepare_threshold`` in the settings). It is still
    Django's cursor wrapper: errors, execute wrappers and query logging are as for any
    other cursor.
    """
    db = connections[DEFAULT_DB_ALIAS]  # once: each use of the proxy looks it up anew
    db.close_if_health_check_failed()
    db.ensure_connection()
    with db.wrap_database_errors:
        raw = ServerBindingCursor(db.connection)
        # As Django's own cursors: datetimes in the connection's time zone.
        loader = db.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if db.timezone != loader.timezone:
            register_tzloader(db.timezone, raw)
        db.validate_thread_sharing()
        if db.queries_logged:
            return db.make_debug_cursor(raw)
        return db.make_cursor(raw)


def _link_plan(model, field) -> tuple | None:
    """How ``_link`` sets ``field`` (a plain foreign key or one-to-one field, the model's
    descriptor Django's own); None for anything else, which its descriptor sets."""
    descriptor = vars(model).get(field.name)
    if (
        type(descriptor) not in (ForwardManyToOneDescriptor, ForwardOneToOneDescriptor)
        or field.primary_key
        or len(field.related_fields) != 1
    ):
        return None
    ((_, target),) = field.related_fields
    remote = field.remote_field
    return (
        field.attname,
        target.attname,
        field.cache_name,
        remote.model._meta.concrete_model,
        None if remote.multiple else remote.cache_name,
    )


@functools.cache
def _id_sequence(model) -> str:
    """The model's id sequence as an SQL literal (its name comes from the catalog)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column]
        )
        (name,) = cursor.fetchone()
    if name is None:
        raise ValueError(f"{model._meta.db_table}.{model._meta.pk.column} has no sequence")
    return "'" + name.replace("'", "''") + "'"


def allocate_ids(counts: dict[type[models.Model], int]) -> dict[type[models.Model], list[int]]:
    """Draw ``count`` ids from each model's id sequence, in one statement (``IdPool``
    draws them along with other statements)."""
    sql, params = _ids_statement(counts, also=None)
    row = ()
    if sql:
        with _cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    return _ids_of_row(counts, row, also=None)[0]


def _ids_statement(counts, *, also) -> tuple[str, list]:
    """The statement drawing the ids (and ``also``'s value first); empty if none."""
    wanted = [(model, n) for model, n in counts.items() if n]
    selects, params = (["(SELECT * FROM also)"], list(also[1])) if also else ([], [])
    for model, n in wanted:
        # The sequence by name, a constant PostgreSQL resolves once a statement: through
        # ``pg_get_serial_sequence`` it looked the sequence up again for every id (eight
        # times the cost of drawing them).
        selects.append(
            f"ARRAY(SELECT nextval({_id_sequence(model)}::regclass) "  # noqa: S608 (quoted)
            "FROM generate_series(1, %s))"
        )
        params.append(n)
    if not selects:
        return "", []
    with_also = f"WITH also AS ({also[0]}) " if also else ""
    return f"{with_also}SELECT {', '.join(selects)}", params


def _ids_of_row(counts, row, *, also) -> tuple[dict[type[models.Model], list[int]], object]:
    wanted = [model for model, n in counts.items() if n]
    value, arrays = (row[0], row[1:]) if also else (None, row)
    found = {model: list(ids) for model, ids in zip(wanted, arrays, strict=True)}
    return {model: found.get(model, []) for model in counts}, value


class IdPool:
    """Ids drawn ahead, up to ``most`` of each model, in a statement sent along with
    others (``statement``, then ``fill`` with its row); ``take`` hands them out, and
    draws any more wanted than were drawn ahead in a statement of its own. Ids drawn and
    not taken are left unused, as a rolled-back insert leaves its ids. ``also`` (a
    statement returning one value: its SQL and parameters) runs as a CTE of the same
    statement, and ``fill`` returns its value."""

    def __init__(self, most: dict[type[models.Model], int], *, also=None):
        self.most, self.also = most, also
        self.ids: dict[type[models.Model], list[int]] = {}

    def statement(self) -> tuple[str, list]:
        return _ids_statement(self.most, also=self.also)

    def fill(self, row) -> object:
        """Keep the ids in ``row``; return ``also``'s value."""
        self.ids, value = _ids_of_row(self.most, row, also=self.also)
        return value

    def take(self, counts: dict[type[models.Model], int]) -> dict[type[models.Model], list[int]]:
        short = {
            model: n - len(self.ids.get(model, []))
            for model, n in counts.items()
            if n > len(self.ids.get(model, []))
        }
        if short:
            for model, more in allocate_ids(short).items():
                self.ids[model] = self.ids.get(model, []) + more
        taken = {model: self.ids.get(model, [])[:n] for model, n in counts.items()}
        for model, n in counts.items():
            self.ids[model] = self.ids.get(model, [])[n:]
        return taken


def insert_new_rows(groups: Sequence[Sequence[models.Model]], *, own_times: bool = False) -> None:
    """Insert new instances (ids already set) of several models in one statement; tables
    in order, so that later rows may refer to earlier ones.

    An ``auto_now`` or ``auto_now_add`` field is stamped with the time of the insert, as
    ``save`` does; with ``own_times``, an instance that has a value for it keeps that
    value (a writer of past events, such as the demo's, gives each row its own time)."""
    statement = _new_rows_statement(groups, own_times=own_times)
    if statement:
        with _cursor() as cursor:
            cursor.execute(*statement)


def _new_rows_statement(groups, *, own_times: bool) -> tuple[str, list] | None:
    """``insert_new_rows``'s statement and parameters; None when there are no rows."""
    parts, params = [], []
    for objs in groups:
        if not objs:
            continue
        model = type(objs[0])
        # Take the ids of related objects given ids since they were assigned.
        _take_related_ids(model, objs)
        sql, values = _insert_sql(model, objs, with_pk=True, own_times=own_times)
        parts.append(sql)
        params += values
    if not parts:
        return None
    return _with_ctes(tuple(parts)), params


@functools.lru_cache(maxsize=256)
def _with_ctes(parts: tuple[str, ...]) -> str:
    """The statements as one: data-modifying CTEs, then the last (made once a shape)."""
    ctes = ", ".join(f"w{n} AS ({sql})" for n, sql in enumerate(parts[:-1]))
    return (f"WITH {ctes} " if ctes else "") + parts[-1]


def _take_related_ids(model, objs) -> None:
    """As ``Model._prepare_related_fields_for_save`` does for each instance, with the
    model's relations looked up once rather than for every row."""
    relations = _relations(model)
    if relations is None:
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="insert_new_rows")
        return
    for obj in objs:
        cached = obj._state.fields_cache
        if not cached:
            continue
        for field, cache_name, attname, target_attname, to_pk in relations:
            related = cached.get(cache_name)
            if related is None:
                continue
            value, target = getattr(obj, attname), getattr(related, target_attname)
            if value == target and target is not None and (to_pk or related._is_pk_set()):
                continue  # linked, and its id taken (most rows)
            if not related._is_pk_set():
                # Django's own check says what is wrong, as a save would.
                obj._prepare_related_fields_for_save(operation_name="insert_new_rows")
            if value in field.empty_values:
                # As the descriptor sets it, the related instance already cached.
                obj.__dict__[attname] = target
            elif target != value:
                field.delete_cached_value(obj)


@functools.cache
def _relations(model) -> list | None:
    """The model's concrete relations, each with its cache name, its attname, the
    attname of the related field and whether that is the related model's primary key;
    None when it has private ones (generic relations), which Django's own method handles."""
    if model._meta.private_fields:
        return None
    return [
        (f, f.cache_name, f.attname, f.target_field.attname, f.target_field.primary_key)
        for f in model._meta.concrete_fields
        if f.is_relation
    ]


def mark_saved(objs: Sequence[models.Model]) -> None:
    """Leave written instances as ``save`` leaves them: saved in the default database and,
    for a ``ConcurrentTransitionMixin`` model, with the state written as the one a later
    save must find in the row."""
    if not objs:
        return
    states = _state_attnames(type(objs[0]))
    for obj in objs:
        obj._state.adding = False
        obj._state.db = DEFAULT_DB_ALIAS
        if states:
            obj.__dict__[_INITIAL_STATES] = {name: getattr(obj, name) for name in states}


@functools.cache
def _state_attnames(model) -> tuple:
    """The FSM fields ``ConcurrentTransitionMixin`` records the initial state of, if any."""
    if not issubclass(model, ConcurrentTransitionMixin):
        return ()
    return tuple(f.attname for f in model._meta.fields if isinstance(f, FSMFieldMixin))


# Up to this many rows, a VALUES list (cheaper to plan); beyond it, arrays per column.
VALUES_ROWS = 20


@functools.cache
def _columns(model, *, with_pk: bool) -> list:
    """The model's concrete fields (its primary key's only ``with_pk``), in order."""
    return [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]


def _insert_sql(model, objs, *, with_pk: bool, own_times: bool = False) -> tuple[str, list]:
    fields = _columns(model, with_pk=with_pk)
    try:
        return _json_rows_sql(model, fields, objs, with_pk=with_pk, own_times=own_times)
    except _NotJson:
        pass
    if len(objs) <= VALUES_ROWS:
        return _values_sql(model, fields, objs, own_times=own_times)
    return _unnest_sql(model, fields, objs, own_times=own_times)


def _pre_save(field, obj, *, own_times: bool):
    """The value ``save`` would write for ``field``; with ``own_times``, the instance's own
    value of an ``auto_now`` or ``auto_now_add`` field where it has one."""
    if own_times and (getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)):
        value = getattr(obj, field.attname)
        if value is not None:
            return value
    return field.pre_save(obj, add=True)


class _NotJson(Exception):
    """A value JSON does not carry exactly: the rows go the older way."""


def _json_rows_sql(
    model, fields, objs, *, with_pk: bool, own_times: bool = False
) -> tuple[str, list]:
    """``INSERT … SELECT … FROM jsonb_array_elements(rows)``: one parameter for the table."""
    plan = _json_columns(model, with_pk=with_pk)
    converters = plan.converters
    if plan.values_of is None:
        rows = [
            [
                convert(_pre_save(f, obj, own_times=own_times))
                for f, convert in zip(fields, converters, strict=True)
            ]
            for obj in objs
        ]
        return plan.sql, [_rows_json(rows)]
    _stamp(plan.auto, objs, own_times=own_times)
    values = [plan.values_of(obj) for obj in objs]
    try:
        return plan.sql, [_rows_json(_as_they_are(plan, values), default=_json_scalar)]
    except _Careful:
        pass
    rows = [[convert(v) for convert, v in zip(converters, row, strict=True)] for row in values]
    return plan.sql, [_rows_json(rows)]


def _rows_json(rows, default=None) -> str:
    try:
        # NaN and the infinities are not JSON.
        return json.dumps(rows, ensure_ascii=False, allow_nan=False, default=default)
    except ValueError as exc:
        raise _NotJson from exc


def _as_they_are(plan, values: list[tuple]) -> list:
    """The rows with the values JSON carries as they are left as they are, and the rest
    converted: a row whose values' types are each one its column takes as it is (text in
    a text column, an int in an integer column: what the field's own preparation leaves
    alone) needs only its other columns converted. JSON writes datetimes, dates and UUIDs
    through ``_json_scalar``. A row of other types is converted value by value."""
    converters, known, converted = plan.converters, plan.known_types, plan.converted
    rows: list = []
    for row in values:
        types = tuple(map(type, row))
        if types not in known and not plan.takes(types):
            rows.append([convert(v) for convert, v in zip(converters, row, strict=True)])
        elif converted:
            row = list(row)
            for n, convert in converted:
                row[n] = convert(row[n])
            rows.append(row)
        else:
            rows.append(row)
    return rows


class _Careful(Exception):
    """A value needs its field's own preparation: the table's rows are converted one by one."""


def _json_scalar(value):
    """A datetime, date or UUID as ``_json_converter`` writes it (``json.dumps``'s default)."""
    kind = type(value)
    if kind is dt.datetime and value.utcoffset() is not None:
        return value.isoformat()
    if kind is dt.date:
        return value.isoformat()
    if kind is uuid.UUID:
        return str(value)
    raise _Careful  # a naive datetime: the field says what it means


def _stamp(auto, objs, *, own_times: bool) -> None:
    """Set each ``auto_now`` or ``auto_now_add`` field as its ``pre_save`` does, with one
    time for all of a statement's rows; with ``own_times``, a row keeps a time it has."""
    for field in auto:
        stamp = None
        for obj in objs:
            if own_times and getattr(obj, field.attname) is not None:
                continue
            if stamp is None:
                stamp = field.pre_save(obj, add=True)  # sets it on the instance too
            else:
                setattr(obj, field.attname, stamp)


@dataclass
class _JsonColumns:
    """How a model's rows become the statement's JSON (made once a model)."""

    converters: list  # for each column, how its value becomes JSON
    sql: str  # reads each value back out of the row ``e``; the same for any number of rows
    values_of: Callable | None  # a row's values from an instance; None: through ``pre_save``
    auto: list  # the fields whose ``pre_save`` sets the time
    as_they_are: list  # for each column, the types it takes as they are; None: converted
    converted: list  # (column, converter) for the columns always converted
    known_types: set  # rows' types found to be taken as they are

    def takes(self, types: tuple) -> bool:
        """Whether each column takes its value's type as it is (remembered if so)."""
        for kind, taken in zip(types, self.as_they_are, strict=True):
            if taken is None or kind is type(None) or kind in taken:
                continue
            # Exactly the type, as ``_plain_*`` checks; for text, any kind of str.
            if not (taken == (str,) and issubclass(kind, str)):
                return False
        self.known_types.add(types)
        return True


@functools.cache
def _json_columns(model, *, with_pk: bool) -> _JsonColumns:
    fields = _columns(model, with_pk=with_pk)
    converters, selects, auto, unusual, as_they_are = [], [], [], False, []
    for n, field in enumerate(fields):
        # Cast to the type without its length, as a VALUES list does: the column's own
        # assignment then refuses a value too long, where an explicit varchar(n) cast
        # would cut it short.
        db_type = _TYPMOD.sub("", field.db_type(connection))
        if isinstance(field, ArrayField):
            base = _TYPMOD.sub("", field.base_field.db_type(connection))
            selects.append(
                f"CASE WHEN jsonb_typeof(e->{n}) = 'array' "
                f"THEN ARRAY(SELECT jsonb_array_elements_text(e->{n}))::{base}[] END"
            )
        else:
            selects.append(f"(e->>{n})::{db_type}")
        json_column = db_type == "jsonb"
        converters.append(_json_converter(field, json_column=json_column))
        kind = None if json_column else _PLAIN_FIELDS.get(type(field))
        as_they_are.append(_TAKEN_AS_THEY_ARE.get(kind))
        if type(field).pre_save is not models.Field.pre_save:
            if type(field) not in (models.DateField, models.DateTimeField):
                unusual = True
            elif field.auto_now or field.auto_now_add:
                auto.append(field)
    names = [f.attname for f in fields]
    values_of = None
    if not unusual:
        values_of = operator.attrgetter(*names) if len(names) > 1 else _one_value(names[0])
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    table = quote(model._meta.db_table)
    # Names come from the model and are quoted; every value is in the one parameter.
    sql = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608
        f"SELECT {', '.join(selects)} FROM jsonb_array_elements(%s::jsonb) AS r(e)"
    )
    converted = [
        (n, c) for n, (c, t) in enumerate(zip(converters, as_they_are, strict=True)) if t is None
    ]
    return _JsonColumns(converters, sql, values_of, auto, as_they_are, converted, set())


def _one_value(attname: str) -> Callable:
    def value_of(obj):
        return (getattr(obj, attname),)

    return value_of


_TYPMOD = re.compile(r"\(.*\)")


def _json_converter(field, *, json_column: bool) -> Callable[[object], object]:
    """A value as JSON that the statement's cast reads back as the value the field's own
    preparation for the database gives."""

    def prepared(value):
        return _json_value(field.get_db_prep_save(value, connection))

    if json_column:
        plain = type(field) is models.JSONField and field.encoder is None

        def convert_json(value):
            # A JSON field without an encoder of its own stores json.dumps of its value
            # (None is SQL NULL), as Django's JSONField.get_db_prep_save and psycopg's
            # Jsonb do.
            if plain:
                if value is None:
                    return None
                if type(value) in _JSON_TYPES:
                    return json.dumps(value)
            value = field.get_db_prep_save(value, connection)
            if value is None:
                return None
            if not isinstance(value, Json | Jsonb):
                raise _NotJson
            # The JSON text as the field's own encoder writes it, parsed by the statement.
            return (value.dumps or json.dumps)(value.obj)

        return convert_json

    kind = _PLAIN_FIELDS.get(type(field))
    if type(field) is ArrayField and type(field.base_field) in _TEXT_FIELDS:
        kind = _plain_texts
    # For these fields and values, preparing for the database returns the value itself;
    # anything else is prepared by the field.
    return kind(prepared) if kind else prepared


_JSON_TYPES = (dict, list, str, int, bool)


def _plain_text(prepared):
    def convert(value):
        return value if value is None or isinstance(value, str) else prepared(value)

    return convert


def _plain_int(prepared):
    def convert(value):
        return value if value is None or type(value) is int else prepared(value)

    return convert


def _plain_bool(prepared):
    def convert(value):
        return value if value is None or type(value) is bool else prepared(value)

    return convert


def _plain_datetime(prepared):
    def convert(value):
        if value is None:
            return None
        if type(value) is dt.datetime and value.utcoffset() is not None:
            return value.isoformat()
        return prepared(value)

    return convert


def _plain_date(prepared):
    def convert(value):
        if value is None:
            return None
        return value.isoformat() if type(value) is dt.date else prepared(value)

    return convert


def _plain_uuid(prepared):
    def convert(value):
        if value is None:
            return None
        return str(value) if type(value) is uuid.UUID else prepared(value)

    return convert


def _plain_texts(prepared):
    def convert(value):
        if value is None or (type(value) is list and all(type(v) is str for v in value)):
            return value
        return prepared(value)

    return convert


_TEXT_FIELDS = (models.CharField, models.TextField, models.EmailField, FSMField)
_PLAIN_FIELDS = {
    **dict.fromkeys(_TEXT_FIELDS, _plain_text),
    models.BooleanField: _plain_bool,
    **dict.fromkeys(
        (
            models.AutoField,
            models.BigAutoField,
            models.IntegerField,
            models.BigIntegerField,
            models.SmallIntegerField,
            models.PositiveIntegerField,
            models.PositiveSmallIntegerField,
            models.ForeignKey,
            models.OneToOneField,
        ),
        _plain_int,
    ),
    models.DateTimeField: _plain_datetime,
    models.DateField: _plain_date,
    models.UUIDField: _plain_uuid,
}


# The types a column of each kind takes as they are: JSON carries them, and the field's
# preparation for the database gives them back unchanged (``_plain_*``). A datetime,
# date or UUID is written by ``_json_scalar``.
_TAKEN_AS_THEY_ARE = {
    _plain_text: (str,),
    _plain_int: (int,),
    _plain_bool: (bool,),
    _plain_datetime: (dt.datetime,),
    _plain_date: (dt.date,),
    _plain_uuid: (uuid.UUID,),
}


def _json_value(value):
    """A prepared value as JSON that the statement's cast reads back as the same value."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, int):
        return int(value)
    if type(value) is float:
        return value
    if isinstance(value, dt.datetime):
        if value.utcoffset() is None:
            raise _NotJson  # a naive datetime means what the session's time zone says
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    raise _NotJson


def _values_sql(model, fields, objs, *, own_times: bool = False) -> tuple[str, list]:
    """``INSERT … VALUES (…), (…)``: one parameter per value."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [
        field.get_db_prep_save(_pre_save(field, obj, own_times=own_times), connection)
        for obj in objs
        for field in fields
    ]
    table = quote(model._meta.db_table)
    # Names come from the model and are quoted; every value is a parameter.
    return f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(objs))}", params  # noqa: S608


def _unnest_sql(model, fields, objs, *, own_times: bool = False) -> tuple[str, list]:
    """``INSERT … SELECT … FROM unnest(column arrays)``: one parameter per column, so the
    statement stays short however many rows it carries."""
    quote = connection.ops.quote_name
    columns, selects, arrays, params = [], [], [], []
    for n, field in enumerate(fields):
        values = [
            field.get_db_prep_save(_pre_save(field, obj, own_times=own_times), connection)
            for obj in objs
        ]
        db_type = field.db_type(connection)
        columns.append(quote(field.column))
        if isinstance(field, ArrayField):
            # unnest would flatten an array of arrays: carry each array as JSON instead.
            arrays.append("%s::jsonb[]")
            values = [None if v is None else Jsonb(v) for v in values]
            base = field.base_field.db_type(connection)
            selects.append(
                f"CASE WHEN c{n} IS NULL THEN NULL ELSE "
                f"ARRAY(SELECT jsonb_array_elements_text(c{n}))::{base}[] END"
            )
        else:
            arrays.append(f"%s::{db_type}[]")
            selects.append(f"c{n}")
        params.append(values)
    aliases = ", ".join(f"c{n}" for n in range(len(fields)))
    table = quote(model._meta.db_table)
    # Names come from the model and are quoted; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(selects)} FROM unnest({', '.join(arrays)}) AS t({aliases})"
    )
    return sql, params


@dataclass(frozen=True)
class Upsert:
    """New instances of one model for ``insert_or_lock_each``; ``unique`` names the fields
    of the unique key they may clash on, ``where`` (SQL) a partial unique index's
    predicate."""

    objs: Sequence[models.Model]
    unique: Sequence[str]
    where: str = ""


def insert_or_lock(
    objs: Sequence[models.Model], *, unique: Sequence[str], where: str = ""
) -> list[tuple[models.Model, bool]]:
    """Insert each new instance, or lock the row that holds its unique key: one statement.

    Returns, in order, the row as stored and whether this statement inserted it. The
    instances' unique keys must differ from each other. ``where`` names the predicate of
    a partial unique index, as SQL.
    """
    (stored,) = insert_or_lock_each([Upsert(objs, unique, where)])
    return stored


def insert_or_lock_each(upserts: Sequence[Upsert]) -> list[list[tuple]]:
    """``insert_or_lock`` for several models, a statement each, in one round trip
    (``Pipeline``); an error in any is raised, as Django's, when all have run."""
    with Pipeline() as pipeline:
        sent = [pipeline.upsert(upsert) for upsert in upserts]
        return [rows() for rows in sent]


class Pipeline:
    """Statements sent to PostgreSQL as they are made, each one's rows read when wanted.

    In psycopg's pipeline mode a statement goes to the server at once and the server runs
    it while the caller goes on; reading a statement's rows waits for it and for every
    statement sent before it (psycopg reads the results in order). A writer can so send
    writes (``insert``) that it does not wait for, and work while they run. Leaving the
    block waits for every statement; an error in any is raised, as Django's, by then at
    the latest, and the transaction is then to be rolled back (PostgreSQL runs none of
    the statements sent after a failed one). Without pipeline mode (libpq before 14) each
    statement runs as it is sent. A query made inside the block, Django's too, waits for
    the statements sent before it, as reading rows does; one whose row count is wanted
    (Django's ``update`` and ``delete``) belongs outside it, where the count is known when
    it returns.
    """

    def __enter__(self) -> Pipeline:
        self.db = connections[DEFAULT_DB_ALIAS]
        # The connection checked first: the check must not wait in the pipeline.
        self.db.close_if_health_check_failed()
        self.db.ensure_connection()
        self.cursors = []
        self._writes = None
        # Left in the reverse order: the pipeline (waiting for every statement), the
        # cursors closed, psycopg's errors raised as Django's.
        with contextlib.ExitStack() as stack:
            stack.enter_context(self.db.wrap_database_errors)
            stack.callback(self._close_cursors)
            if _PIPELINES:
                stack.enter_context(self.db.connection.pipeline())
            self._stack = stack.pop_all()
        return self

    def __exit__(self, *exc_info) -> bool | None:
        return self._stack.__exit__(*exc_info)

    def _close_cursors(self) -> None:
        for cursor in self.cursors:
            cursor.close()

    def execute(self, sql: str, params: Sequence = ()) -> Callable[[], list[tuple]]:
        """Send a statement; returns how to read its rows (waiting for it if need be)."""
        cursor = _cursor()
        self.cursors.append(cursor)
        cursor.execute(sql, params)
        return self._rows_of(cursor)

    def _rows_of(self, cursor) -> Callable[[], list[tuple]]:
        def rows() -> list[tuple]:
            with self.db.wrap_database_errors:
                return cursor.fetchall()

        return rows

    def upsert(self, upsert: Upsert) -> Callable[[], list[tuple]]:
        """Send ``insert_or_lock``'s statement; returns how to read, in the instances'
        order, each row as stored and whether it was inserted."""
        if not upsert.objs:
            return _no_rows
        model = type(upsert.objs[0])
        conflict, names, key_of = _upsert_plan(model, tuple(upsert.unique), upsert.where)
        sql, params = _insert_sql(model, upsert.objs, with_pk=False)
        rows_of = self.execute(f"{sql} {conflict}", params)
        width = len(names)

        def stored() -> list[tuple]:
            by_key = {}
            for row in rows_of():
                instance = model.from_db(connection.alias, names, row[:width])
                by_key[key_of(instance)] = (instance, *row[width:])
            return [by_key[key_of(o)] for o in upsert.objs]

        return stored

    def insert(self, groups: Sequence[Sequence[models.Model]], *, own_times: bool = False):
        """Send ``insert_new_rows``'s statement, not to be waited for."""
        statement = _new_rows_statement(groups, own_times=own_times)
        if statement is None:
            return
        if self._writes is None:
            self._writes = _cursor()
            self.cursors.append(self._writes)
        self._writes.execute(*statement)


def _no_rows() -> list:
    return []


def deadlocked(error: Exception) -> bool:
    """Whether a Django ``OperationalError`` is PostgreSQL's refusal of a deadlock: the
    transaction chosen to give way was rolled back, and may be run again."""
    return isinstance(error, OperationalError) and isinstance(
        error.__cause__, psycopg.errors.DeadlockDetected
    )


# psycopg's pipeline mode needs libpq 14 or later (the binary package brings its own).
_PIPELINES = psycopg.Pipeline.is_supported()


@functools.lru_cache(maxsize=64)
def _upsert_plan(model, unique: tuple, where: str) -> tuple[str, list, Callable]:
    """``insert_or_lock``'s ``ON CONFLICT … RETURNING`` clause, the names of the columns
    returned, and how an instance's unique key is read: made once a model."""
    meta = model._meta
    quote = connection.ops.quote_name
    key = ", ".join(quote(meta.get_field(name).column) for name in unique)
    first = quote(meta.get_field(unique[0]).column)
    returned = ", ".join(quote(f.column) for f in meta.concrete_fields)
    # A no-op update on conflict locks the existing row and makes RETURNING give it.
    conflict = (
        f"ON CONFLICT ({key}){f' WHERE {where}' if where else ''} "
        f"DO UPDATE SET {first} = EXCLUDED.{first} "
        f"RETURNING {returned}, (xmax = 0) AS inserted"
    )
    names = [f.attname for f in meta.concrete_fields]
    attnames = [meta.get_field(name).attname for name in unique]
    key_of = operator.attrgetter(*attnames) if len(attnames) > 1 else _one_value(attnames[0])
    return conflict, names, key_of
