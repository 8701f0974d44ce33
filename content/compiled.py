"""A query whose shape never changes, compiled once per process.

The ORM builds and compiles its SQL anew at every call: for ``rules.new_counts`` (a visit
row per question with five correlated subqueries) that was 3 ms of a 10 ms page, while the
database ran the SQL in 0.05 ms; a model loaded by its id with ``select_related`` costs
0.3-2 ms to build and compile against 0.05 ms to run. Here the query is built once per shape
with stand-in values (numbers near two thousand million, strings no slug can be, each its
own), compiled, and kept; each call then sends that SQL with the real values put where the
stand-ins were. What comes back is what the ORM gives: ``rows`` the tuples of a
``values_list``, each column through its converters for this connection (a datetime on
SQLite, a boolean); ``objects`` model instances, the related ones of ``select_related`` in
place, as the ORM's own iterator makes them.
"""

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators

Values = dict[str, int | str | Sequence[int]]


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a parameter of the compiled SQL comes from: a value (an item of it, for a
    list), or a constant the query itself holds."""

    name: str | None
    item: int | None = None
    constant: Any = None
    kind: type = int  # the type the ORM gave it (psycopg's Int4 for an integer column, say)

    def value(self, values: Values) -> Any:
        if self.name is None:
            return self.constant
        value = values[self.name]
        if isinstance(value, str):
            return value
        if isinstance(value, Sequence):
            return value if self.item is None else self.kind(value[self.item])
        return self.kind(value)


@dataclass(slots=True)
class _Shape:
    """One compiled query: its SQL, where each parameter comes from, the columns it selects
    and, for ``objects``, how its rows become model instances."""

    sql: str
    places: list[_Place]
    columns: list[Any]
    model: type[Model] | None = None
    fields: list[str] = field(default_factory=list)  # the model's own columns, in order
    span: slice = slice(0)
    related: list[Any] = field(default_factory=list)  # select_related's populators
    annotations: dict[str, int] = field(default_factory=dict)
    fetch_mode: Any = None
    # Each connection's converters for the columns (a thread has a connection of its own).
    converters: weakref.WeakKeyDictionary[Any, Any] = field(
        default_factory=weakref.WeakKeyDictionary
    )


_compiled: dict[tuple[Any, ...], _Shape] = {}


def _place(param: Any, where: dict[Any, _Place]) -> _Place:
    if isinstance(param, str) and param in where:
        return where[param]
    if isinstance(param, int) and not isinstance(param, bool) and int(param) in where:
        found = where[int(param)]
        return _Place(found.name, found.item, kind=type(param))
    if isinstance(param, list | tuple) and tuple(param) in where:
        return where[tuple(param)]
    return _Place(None, constant=param)


def _stand_ins(values: Values) -> dict[str, Any]:
    """A stand-in for each value (for a list, one for each item), all distinct."""
    out: dict[str, Any] = {}
    for i, (name, value) in enumerate(sorted(values.items())):
        # Large enough that no constant of a query is one, within a 32-bit column's range
        # and positive: Django finds a negative value for a positive field matches nothing.
        base = 2_000_000_000 - 1_000_000 * i
        if isinstance(value, str):
            out[name] = f"\x1fstand-in {name}\x1f"  # no slug or name has a control character
        elif isinstance(value, Sequence):
            out[name] = [base - j for j in range(len(value))]
        else:
            out[name] = base
    return out


def _compile(key: str, build: Callable[..., QuerySet[Any, Any]], values: Values) -> _Shape:
    stand = _stand_ins(values)
    where: dict[Any, _Place] = {}
    for name, value in stand.items():
        if isinstance(value, list):  # its items one by one, or (PostgreSQL's ANY) whole
            where.update({v: _Place(name, j) for j, v in enumerate(value)})
            where[tuple(value)] = _Place(name)
        else:
            where[value] = _Place(name)
    queryset: Any = build(**stand)  # its private state is read below, as ModelIterable does
    compiler = queryset.query.get_compiler(connection=connection)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # Django's range check threw a stand-in out: say which query
        message = f"{key}: a stand-in is out of a field's range (a small integer?)"
        raise ValueError(message) from None
    places = [_place(p, where) for p in params]
    taken = {(p.name, p.item) for p in places if p.name is not None}
    for name, value in stand.items():
        whole = (name, None) in taken
        items = isinstance(value, list) and all((name, j) in taken for j in range(len(value)))
        if not (whole or items):  # lost, folded or written inline: not safe to reuse
            raise ValueError(f"{key}: not every value is a parameter of its SQL")
    shape = _Shape(sql, places, [column for column, _, _ in compiler.select[: compiler.col_count]])
    if queryset._iterable_class is ModelIterable:
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise ValueError(f"{key}: prefetches and known related objects are not kept")
        info = compiler.klass_info
        start, end = info["select_fields"][0], info["select_fields"][-1] + 1
        shape.model = info["model"]
        shape.span = slice(start, end)
        shape.fields = [column.target.attname for column, _, _ in compiler.select[start:end]]
        shape.fetch_mode = queryset._fetch_mode
        if shape.fetch_mode.track_peers:
            raise ValueError(f"{key}: a fetch mode that tracks peers is not kept")
        shape.related = get_related_populators(
            info, compiler.select, DEFAULT_DB_ALIAS, shape.fetch_mode
        )
        shape.annotations = dict(compiler.annotation_col_map or {})
    return shape


def _matches_nothing(value: int | str | Sequence[int]) -> bool:
    """An empty list (an IN () that matches nothing), or a number no row can hold (an id
    from a URL, 10**30, which the driver would refuse with an overflow, a 500)."""
    if isinstance(value, str):
        return False
    numbers = [value] if isinstance(value, int) else value
    return not numbers or any(not -(2**63) <= n < 2**63 for n in numbers)


def _shape(key: str, build: Callable[..., QuerySet[Any, Any]], values: Values) -> _Shape | None:
    """The compiled query for this shape (``key``, the database, each list value's length),
    or None when it matches nothing (``_matches_nothing``)."""
    if any(_matches_nothing(v) for v in values.values()):
        return None
    lengths = tuple(
        (n, len(v))
        for n, v in sorted(values.items())
        if isinstance(v, Sequence) and not isinstance(v, str)
    )
    shape = (key, connection.vendor, lengths)
    if shape not in _compiled:
        _compiled[shape] = _compile(key, build, values)
    return _compiled[shape]


def _run(shape: _Shape, values: Values) -> list[tuple[Any, ...]]:
    db = connections[DEFAULT_DB_ALIAS]  # this thread's
    with db.cursor() as cursor:
        cursor.execute(shape.sql, [place.value(values) for place in shape.places])
        found: list[tuple[Any, ...]] = cursor.fetchall()
    # Each column's converters, for this thread's connection (Django's get_converters and
    # apply_converters do the same for the ORM's own results), worked out once for it.
    converters = shape.converters.get(db)
    if converters is None:
        converters = shape.converters[db] = [
            (i, convs, column)
            for i, column in enumerate(shape.columns)
            if (convs := db.ops.get_db_converters(column) + column.get_db_converters(db))
        ]
    if not converters:
        return found
    out = []
    for row in found:
        cells = list(row)
        for i, convs, column in converters:
            for convert in convs:
                cells[i] = convert(cells[i], column, db)
        out.append(tuple(cells))
    return out


def rows(
    key: str, build: Callable[..., QuerySet[Any, Any]], values: Values
) -> list[tuple[Any, ...]]:
    """The rows of ``build(**values)``'s query (a ``values_list``), compiled once for this
    shape and run with ``values``. List values are for ``__in`` filters: an empty one gives
    no rows."""
    shape = _shape(key, build, values)
    return [] if shape is None else _run(shape, values)


def objects[M: Model](key: str, build: Callable[..., QuerySet[M, M]], values: Values) -> list[M]:
    """The model instances of ``build(**values)``'s query, with what it ``select_related``
    in place and its annotations set, compiled once for this shape and run with ``values``.
    For queries whose values are ids and names (a slug), not for every list a page makes."""
    shape = _shape(key, build, values)
    if shape is None:
        return []
    assert shape.model is not None, f"{key}: objects() is for a query of model instances"
    model, span = shape.model, shape.span
    found: list[Any] = []
    for row in _run(shape, values):
        obj = model.from_db(DEFAULT_DB_ALIAS, shape.fields, row[span], fetch_mode=shape.fetch_mode)
        for related in shape.related:
            related.populate(row, obj)
        for name, position in shape.annotations.items():
            setattr(obj, name, row[position])
        found.append(obj)
    return found


def one[M: Model](key: str, build: Callable[..., QuerySet[M, M]], values: Values) -> M | None:
    """The instance a query by a unique key finds (``objects``), or None: a page's object by
    its id or slug, before its 404."""
    found = objects(key, build, values)
    return found[0] if found else None


def update_each(objects: Sequence[Model], fields: list[str]) -> None:
    """Each object's ``fields`` written back to its row: one UPDATE by primary key, sent for
    every object at once (the driver's executemany). Django's ``bulk_update`` writes the same
    in one statement, but builds a CASE of every row for every field: 78 ms for 200 rows,
    where this takes a few. No signals, as with ``bulk_update``."""
    if not objects:
        return
    db = connections[DEFAULT_DB_ALIAS]
    meta = objects[0]._meta
    columns = [cast(Field[Any, Any], meta.get_field(name)) for name in fields]
    assert meta.pk.column is not None
    quote = db.ops.quote_name
    assignments = ", ".join(f"{quote(str(column.column))} = %s" for column in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    rows = [
        [column.get_db_prep_save(getattr(obj, column.attname), db) for column in columns] + [obj.pk]
        for obj in objects
    ]
    with db.cursor() as cursor:
        cursor.executemany(sql, rows)
