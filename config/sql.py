"""Hand-written SQL for the annotators' hot path, with the ORM's own columns and converters.

Building and compiling an ORM query costs about 600 Python calls; the next-item and submit
requests run a dozen statements each, so on a small server the compiler, not PostgreSQL,
set the ceiling on annotators served. These helpers keep the models as the single
description of the tables (column lists, value preparation and conversion come from the
fields, cached per model and database vendor) while the SQL text is written once, so the
same statements run on PostgreSQL and on the embedded SQLite database.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)
Converter = Callable[[Any, Any, Any], Any]


@functools.cache
def _fields(model: type[Model]) -> tuple[Field[Any, Any], ...]:
    return tuple(model._meta.concrete_fields)


def columns(model: type[Model], alias: str = "") -> str:
    """``alias.col, …`` for every concrete field of ``model``, in ``from_row``'s order
    (unqualified without an alias, as RETURNING wants them on SQLite)."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{connection.ops.quote_name(f.column)}" for f in _fields(model))


def column_count(model: type[Model]) -> int:
    return len(_fields(model))


@functools.cache
def _converters(model: type[Model], vendor: str) -> tuple[tuple[int, list[Converter], Any], ...]:
    del vendor  # part of the cache key: converters differ between backends
    found = []
    for index, field in enumerate(_fields(model)):
        expression = field.get_col(model._meta.db_table)
        functions = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        if functions:
            found.append((index, functions, expression))
    return tuple(found)


def from_row(model: type[M], row: Sequence[Any]) -> M:
    """A model instance from a row of ``columns(model, …)``, converted as the ORM would."""
    values = list(row)
    for index, functions, expression in _converters(model, connection.vendor):
        for convert in functions:
            values[index] = convert(values[index], expression, connection)
    return model.from_db(connection.alias, [f.attname for f in _fields(model)], values)


@functools.cache
def _insert_sql(model: type[Model], vendor: str) -> str:
    del vendor
    fields = [f for f in _fields(model) if not f.primary_key]
    quote = connection.ops.quote_name
    return "INSERT INTO {} ({}) VALUES ({}) RETURNING {}".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
        quote(model._meta.pk.column),
    )


def insert(cursor: Any, obj: Model) -> None:
    """INSERT ``obj`` (field defaults, ``auto_now`` and value preparation as ``save()``
    would do them) and set its primary key. No signals are sent."""
    fields = [f for f in _fields(type(obj)) if not f.primary_key]
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    cursor.execute(_insert_sql(type(obj), connection.vendor), params)
    obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = connection.alias


def param(model: type[Model], name: str, value: Any) -> Any:
    """``value`` prepared for a query on field ``name`` (JSON, datetimes on SQLite, …)."""
    return model._meta.get_field(name).get_db_prep_save(value, connection)  # type: ignore[union-attr]
