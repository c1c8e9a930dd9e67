"""Reads on the coding view's hot path whose SQL the ORM compiles once per process and database, then runs again.

Turning a queryset into SQL costs Django 0.2 to 0.4 ms of CPU: more than SQLite or PostgreSQL takes to
answer a read by an index. Adding a coding runs the same few reads on every request (the turns and the
text around the selection, the excerpts there, the codebook), and so does every window of a long
document. A CompiledRead builds its queryset once with stand-in values, keeps the ORM's SQL and which
value goes where, and afterwards only executes it: the SQL is the ORM's own, the same on SQLite and
PostgreSQL as the queryset would be, with the ORM's converters applied to the rows.

Values are integers and strings, given by name, used as they are (no arithmetic on them inside the
build: a value computed from two stand-ins would be computed once, for the stand-ins). Compiling
refuses a build whose SQL holds a value made from a stand-in; other values in it (archived=False)
are constants and stay.
"""

from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet

# Stand-ins no study's data holds: each value a build receives gets one of its own. Integers stay inside
# a 32-bit column's range: PostgreSQL's backend turns a lookup beyond it into an empty result.
_STAND_IN_INT = 1_987_654_000
_STAND_IN_STR = "\x00compiled-read-{}\x00"


def _made_from_stand_in(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value - _STAND_IN_INT) < 100_000
    return isinstance(value, str) and "\x00compiled-read-" in value


class CompiledRead:
    """`read(**values)`: the rows (tuples) of `build(**values)`, a values_list queryset."""

    def __init__(self, build: Callable[..., QuerySet], **kinds: type) -> None:
        if any(kind not in (int, str) for kind in kinds.values()):
            raise TypeError("a compiled read takes integers and strings")
        self.build, self.kinds = build, kinds
        # Per database alias and vendor; every thread's connection to it runs the same SQL. Nothing here
        # holds a connection: a thread's connection goes with the thread (runserver closes one a request).
        self._compiled = {}

    def _compile(self, connection):
        stand_ins = {name: _STAND_IN_INT + i if kind is int else _STAND_IN_STR.format(i)
                     for i, (name, kind) in enumerate(self.kinds.items())}
        queryset = self.build(**stand_ins)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        names = {value: name for name, value in stand_ins.items()}
        # Per parameter: (the name of its value, the type the backend wraps it in: psycopg's Int4 for an
        # integer column on PostgreSQL), or (None, the constant).
        slots = []
        for param in params:
            name = names.get(param) if isinstance(param, (int, str)) else None
            if name is None:
                if _made_from_stand_in(param):
                    raise ValueError(f"{self.build.__qualname__}: the SQL holds a value made from a stand-in: "
                                     f"{param!r}")
                slots.append((None, param))
            else:
                slots.append((name, type(param)))
        fields = [column[0] for column in compiler.select[:compiler.col_count]]
        converters = list(compiler.get_converters(fields).items())  # [(position, (converters, expression))]
        # Columns the SQL selects only to order by them come after the asked-for ones, and are cut off.
        width = compiler.col_count if compiler.has_extra_select else None
        compiled = self._compiled[connection.alias, connection.vendor] = (sql, slots, converters, width)
        return compiled

    def __call__(self, *, using: str = "default", **values: int | str) -> list[tuple]:
        connection = connections[using]
        compiled = self._compiled.get((using, connection.vendor)) or self._compile(connection)
        sql, slots, converters, width = compiled
        with connection.cursor() as cursor:
            cursor.execute(sql, [value if name is None else value(values[name]) for name, value in slots])
            rows = cursor.fetchall()
        if width is not None:
            rows = [row[:width] for row in rows]
        if converters:  # as SQLCompiler.apply_converters does, with this thread's connection
            rows = [list(row) for row in rows]
            for row in rows:
                for position, (functions, expression) in converters:
                    value = row[position]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[position] = value
            rows = [tuple(row) for row in rows]
        return rows
