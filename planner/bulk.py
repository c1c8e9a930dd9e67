"""Inserting many rows of one table at once, from plain values, without a model instance per row.

`bulk_create` makes a model instance of each row and then runs every field's save preparation through the
SQL compiler: some 30 to 45 µs of Python a row. An import stores a row per turn and one per distinct word of
the word index: thousands for a long interview, most of the import's time. `insert_rows` takes the rows as
tuples, prepares each value as the field would for a save (`get_db_prep_save`: a UUID as 32 hex digits on
SQLite, bytes as a blob), fills the other fields from their defaults as bulk_create would, and writes
ROWS_PER_INSERT rows to a statement, or as many as the database's parameter limit allows (Django's
`max_query_params`, as bulk_create keeps to). What it does not do, as bulk_create does not either: call
save(), send signals, or hand back the new keys.
"""

from collections.abc import Iterable, Sequence
from functools import cache
from itertools import islice

from django.db import connections, router
from django.db.models import Model

ROWS_PER_INSERT = 500  # fewer where the database's parameters per statement would not hold them (below)


def insert_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence], *, using: str | None = None
                ) -> int:
    """Insert `rows`, each the values of `fields` in order (a foreign key's value is the key), into `model`'s
    table. The model's other concrete fields, but for an automatic primary key, get their default. Returns
    the number of rows."""
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    columns, prepare, defaults = _plan(model, tuple(fields))
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) VALUES "
    row_marks = f"({', '.join(['%s'] * len(columns))})"
    limit = connection.features.max_query_params
    per_statement = ROWS_PER_INSERT if limit is None else max(1, min(ROWS_PER_INSERT, limit // len(columns)))
    count = 0
    with connection.cursor() as cursor:
        for batch in batched(rows, per_statement):
            params = []
            for row in batch:
                values = [*row, *(default() for default in defaults)]
                params.extend(field.get_db_prep_save(value, connection) if field else value
                              for field, value in zip(prepare, values, strict=True))
            cursor.execute(head + ", ".join([row_marks] * len(batch)), params)
            count += len(batch)
    return count


@cache
def _plan(model, fields):
    """The columns written (the fields given, then those filled from their defaults), the field whose save
    preparation each value needs (None where the value is stored as it is), and the defaults."""
    opts = model._meta
    given = [opts.get_field(name) for name in fields]
    filled = [field for field in opts.concrete_fields
              if field not in given and not (field.primary_key and field.db_returning)]
    missing = [field.name for field in filled if not field.has_default() and not field.null]
    if missing:
        raise ValueError(f"{model.__name__}: no value and no default for {', '.join(missing)}")
    columns = tuple(field.column for field in (*given, *filled))
    prepare = tuple(None if _stored_as_is(field) else field for field in (*given, *filled))
    return columns, prepare, tuple(field.get_default for field in filled)


def _stored_as_is(field):
    """Integers, floats, strings and booleans go to both databases as they are (a foreign key as its target's
    key); everything else (UUIDs, dates, JSON, bytes, decimals) is prepared by its field."""
    if field.is_relation:
        return _stored_as_is(field.target_field)
    return field.get_internal_type() in {
        "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
        "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "FloatField",
        "CharField", "TextField", "SlugField", "BooleanField",
    }


def batched(items: Iterable, size: int):
    """Lists of at most `size` of the items (itertools.batched from Python 3.12)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
