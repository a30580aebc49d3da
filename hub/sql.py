"""Writing many new rows of several models in few round trips.

``bulk_create`` needs a round trip per table, and the ids each insert returns before
the next table can refer to them. Here the ids are drawn from the tables' sequences
first, in one statement, so that all the rows of several related tables can then be
written in one statement of data-modifying CTEs (foreign keys are checked at its end).
Columns and values come from the models' own fields, so a new field needs no change here.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from psycopg.types.json import Jsonb


def allocate_ids(counts: dict[type[models.Model], int]) -> dict[type[models.Model], list[int]]:
    """Draw ``count`` ids from each model's id sequence, in one statement."""
    return allocate_ids_along(counts, also=None)[0]


def allocate_ids_along(
    counts: dict[type[models.Model], int], *, also: tuple[str, list] | None
) -> tuple[dict[type[models.Model], list[int]], object]:
    """``allocate_ids``, with ``also`` (a statement returning one value: its SQL and
    parameters) run as a CTE in the same round trip; returns the ids and that value."""
    wanted = [(model, n) for model, n in counts.items() if n]
    selects, params = (["(SELECT * FROM also)"], list(also[1])) if also else ([], [])
    for model, n in wanted:
        selects.append(
            "ARRAY(SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s))"
        )
        params += [model._meta.db_table, model._meta.pk.column, n]
    row = ()
    if selects:
        with_also = f"WITH also AS ({also[0]}) " if also else ""
        with connection.cursor() as cursor:
            cursor.execute(f"{with_also}SELECT {', '.join(selects)}", params)
            row = cursor.fetchone()
    value, arrays = (row[0], row[1:]) if also else (None, row)
    found = {model: list(ids) for (model, _), ids in zip(wanted, arrays, strict=True)}
    return {model: found.get(model, []) for model in counts}, value


def insert_new_rows(groups: Sequence[Sequence[models.Model]]) -> None:
    """Insert new instances (ids already set) of several models in one statement; tables
    in order, so that later rows may refer to earlier ones."""
    parts, params = [], []
    for objs in groups:
        if not objs:
            continue
        model = type(objs[0])
        for obj in objs:
            # Take the ids of related objects given ids since they were assigned.
            obj._prepare_related_fields_for_save(operation_name="insert_new_rows")
        sql, values = _insert_sql(model, list(model._meta.concrete_fields), objs)
        parts.append(sql)
        params += values
    if not parts:
        return
    ctes = ", ".join(f"w{n} AS ({sql})" for n, sql in enumerate(parts[:-1]))
    with connection.cursor() as cursor:
        cursor.execute((f"WITH {ctes} " if ctes else "") + parts[-1], params)


# Up to this many rows, a VALUES list (cheaper to plan); beyond it, arrays per column.
VALUES_ROWS = 20


def _insert_sql(model, fields, objs) -> tuple[str, list]:
    if len(objs) <= VALUES_ROWS:
        return _values_sql(model, fields, objs)
    return _unnest_sql(model, fields, objs)


def _values_sql(model, fields, objs) -> tuple[str, list]:
    """``INSERT … VALUES (…), (…)``: one parameter per value."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [
        field.get_db_prep_save(field.pre_save(obj, add=True), connection)
        for obj in objs
        for field in fields
    ]
    table = quote(model._meta.db_table)
    # Names come from the model and are quoted; every value is a parameter.
    return f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(objs))}", params  # noqa: S608


def _unnest_sql(model, fields, objs) -> tuple[str, list]:
    """``INSERT … SELECT … FROM unnest(column arrays)``: one parameter per column, so the
    statement stays short however many rows it carries."""
    quote = connection.ops.quote_name
    columns, selects, arrays, params = [], [], [], []
    for n, field in enumerate(fields):
        values = [field.get_db_prep_save(field.pre_save(obj, add=True), connection) for obj in objs]
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


def insert_or_lock(
    objs: Sequence[models.Model], *, unique: Sequence[str], where: str = ""
) -> list[tuple[models.Model, bool]]:
    """Insert each new instance, or lock the row that holds its unique key: one statement.

    Returns, in order, the row as stored and whether this statement inserted it. The
    instances' unique keys must differ from each other. ``where`` names the predicate of
    a partial unique index, as SQL.
    """
    if not objs:
        return []
    model = type(objs[0])
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    sql, params = _insert_sql(model, fields, objs)
    key = ", ".join(quote(meta.get_field(name).column) for name in unique)
    first = quote(meta.get_field(unique[0]).column)
    returned = [f.column for f in meta.concrete_fields]
    # A no-op update on conflict locks the existing row and makes RETURNING give it.
    statement = (
        f"{sql} ON CONFLICT ({key}){f' WHERE {where}' if where else ''} "
        f"DO UPDATE SET {first} = EXCLUDED.{first} "
        f"RETURNING {', '.join(quote(c) for c in returned)}, (xmax = 0) AS inserted"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    names = [f.attname for f in meta.concrete_fields]
    by_key = {}
    for row in rows:
        instance = model.from_db(connection.alias, names, row[:-1])
        by_key[tuple(getattr(instance, meta.get_field(n).attname) for n in unique)] = (
            instance,
            row[-1],
        )
    return [by_key[tuple(getattr(o, meta.get_field(n).attname) for n in unique)] for o in objs]
