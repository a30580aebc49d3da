"""How the demo writes its thousands of new rows: a few statements a table (``write_rows``)."""

from __future__ import annotations

from django.db import models

from hub.sql import allocate_ids, insert_new_rows

WRITE_CHUNK = 5000


def write_rows(model, objs: list) -> list:
    """``bulk_create`` for the demo's thousands of rows at a fraction of its cost: ids are
    drawn from the table's sequence in one statement, then the rows go 5,000 a statement
    through ``hub.sql.insert_new_rows`` (one JSON parameter a table, rather than Django
    quoting every value). Returns the instances, ids set, as ``bulk_create`` does."""
    objs = list(objs)
    write_tables((model, objs))
    return objs


def write_tables(*tables: tuple[type[models.Model], list]) -> None:
    """``write_rows`` for several tables at once (``assign_ids``, then ``insert_rows``)."""
    assign_ids(*tables)
    insert_rows(*tables)


def assign_ids(*tables: tuple[type[models.Model], list]) -> None:
    """Give each new instance of the tables an id drawn from its table's sequence: one
    statement for them all."""
    wanted = [(model, objs) for model, objs in tables if objs]
    if not wanted:
        return
    ids = allocate_ids({model: len(objs) for model, objs in wanted})
    for model, objs in wanted:
        for obj, pk in zip(objs, ids[model], strict=True):
            obj.pk = pk
            obj._state.adding = False


def insert_rows(*tables: tuple[type[models.Model], list]) -> None:
    """Insert the instances (ids assigned) of the tables, 5,000 rows a statement, tables in
    the order given. A row may name another of any of the tables by instance: its id is
    taken when it is written. Each row keeps the ``updated_at`` it was given, the time of
    the demo's history it belongs to; one not given it has the time it is written."""
    statement, room = [], WRITE_CHUNK
    for _, objs in tables:
        start = 0
        while start < len(objs):
            part = objs[start : start + room]
            statement.append(part)
            start += len(part)
            room -= len(part)
            if not room:
                insert_new_rows(statement, own_times=True)
                statement, room = [], WRITE_CHUNK
    if statement:
        insert_new_rows(statement, own_times=True)
