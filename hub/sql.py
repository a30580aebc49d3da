"""Writing many new rows of several models in few round trips.

``bulk_create`` needs a round trip per table, and the ids each insert returns before
the next table can refer to them. Here the ids are drawn from the tables' sequences
first, in one statement, so that all the rows of several related tables can then be
written in one statement of data-modifying CTEs (foreign keys are checked at its end).
Columns and values come from the models' own fields, so a new field needs no change here.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models

# PostgreSQL allows 65,535 parameters in one statement.
MAX_PARAMETERS = 60_000


def allocate_ids(counts: dict[type[models.Model], int]) -> dict[type[models.Model], list[int]]:
    """Draw ``count`` ids from each model's id sequence, in one statement."""
    wanted = [(model, n) for model, n in counts.items() if n]
    if not wanted:
        return {model: [] for model in counts}
    selects = ", ".join(
        "ARRAY(SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s))"
        for _ in wanted
    )
    params = []
    for model, n in wanted:
        params += [model._meta.db_table, model._meta.pk.column, n]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selects}", params)
        row = cursor.fetchone()
    found = {model: list(ids) for (model, _), ids in zip(wanted, row, strict=True)}
    return {model: found.get(model, []) for model in counts}


def insert_new_rows(groups: Sequence[Sequence[models.Model]]) -> None:
    """Insert new instances (ids already set) of several models in as few statements as
    the parameter limit allows; tables in order, so that later rows may refer to earlier."""
    statements: list[tuple[list[str], list]] = [([], [])]
    for objs in groups:
        if not objs:
            continue
        model = type(objs[0])
        fields = list(model._meta.concrete_fields)
        for obj in objs:
            # Take the ids of related objects saved (or given ids) since they were assigned.
            obj._prepare_related_fields_for_save(operation_name="insert_new_rows")
        for start in range(0, len(objs), max(1, MAX_PARAMETERS // len(fields))):
            chunk = objs[start : start + MAX_PARAMETERS // len(fields)]
            sql, params = _insert_sql(model, fields, chunk)
            parts, values = statements[-1]
            if len(values) + len(params) > MAX_PARAMETERS:
                statements.append(([], []))
                parts, values = statements[-1]
            parts.append(sql)
            values += params
    with connection.cursor() as cursor:
        for parts, values in statements:
            if not parts:
                continue
            ctes = ", ".join(f"w{n} AS ({sql})" for n, sql in enumerate(parts[:-1]))
            statement = (f"WITH {ctes} " if ctes else "") + parts[-1]
            cursor.execute(statement, values)


def _insert_sql(model, fields, objs) -> tuple[str, list]:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = []
    for obj in objs:
        for field in fields:
            params.append(field.get_db_prep_save(field.pre_save(obj, add=True), connection))
    values = ", ".join([row] * len(objs))
    table = quote(model._meta.db_table)
    # Names come from the model and are quoted; every value is a placeholder.
    return f"INSERT INTO {table} ({columns}) VALUES {values}", params  # noqa: S608


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
