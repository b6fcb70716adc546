"""Compiled statements: the SQL of a queryset shape, built by the ORM once and run many times.

Building a queryset and compiling it to SQL costs Django far more CPU than PostgreSQL
spends running a small indexed query (about 0.5 ms against 0.1 ms for a post lookup). A
hot read whose shape never changes, only its values, can pay that once per process:

    post_by_id = CompiledQuery(
        lambda viewer_id, post_id: posts_visible_to(Viewer(viewer_id)).filter(pk=post_id)
        .values_list("id", "title"),
        viewer_id=SampleInt(), post_id=SampleInt(),
    )
    rows = post_by_id.rows(viewer_id=user.pk, post_id=42)

The builder is an ordinary selector call, so the rules stay where they are; it is called
once with distinctive sample values, the SQL is compiled, and each parameter that equals a
sample becomes a slot filled from `rows(**values)` on later calls. Compiling fails loudly
(ImproperlyConfigured) when a sample does not come through as a parameter, or comes
through transformed (`title__contains` makes "%sample%"): such a shape cannot be reused
safely. A builder must not branch on its values: it runs once, with the samples. LIMIT and
OFFSET are compiled into the text, so a page size is part of the shape, not a value.

Rows are `values_list` tuples in the order of the fields named, with the ORM's converters
applied (SQLite's timestamps, JSON), as the queryset would have returned them.
"""

import datetime
import itertools
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.utils import timezone

_sample_numbers = itertools.count(1)
# What a PostgreSQL bigint (and an SQLite integer) holds; an id outside it names no row.
BIGINT_RANGE = range(-(2**63), 2**63)


class Sample(ABC):
    """A distinctive stand-in value for one parameter, and how the database receives it."""

    @abstractmethod
    def value(self) -> Any:
        """The stand-in, distinct from every other sample and from real values."""

    def adapt(self, value: Any, connection) -> Any:
        """The value as the ORM hands it to the driver (how the sample is found in the SQL)."""
        return value

    def bind(self, value: Any, connection) -> Any:
        """The value as this module hands it to the driver when running the statement."""
        return self.adapt(value, connection)


class SampleInt(Sample):
    """An integer of the bigint range; callers check that range first (`BIGINT_RANGE`)."""

    def __init__(self) -> None:
        # Far outside any id or count a table will hold.
        self._value = -(7_300_000_000_000 + next(_sample_numbers))

    def value(self) -> int:
        return self._value

    def bind(self, value: int, connection) -> Any:
        if value not in BIGINT_RANGE:
            raise ValueError(f"{value} is outside the bigint range")
        if connection.vendor == "postgresql":
            # psycopg types an int by its size (int2, int4, int8, numeric) and prepares one
            # statement per set of types; one type keeps one statement per shape.
            from psycopg.types.numeric import Int8

            return Int8(value)
        return value


class SampleText(Sample):
    def __init__(self) -> None:
        self._value = f"keel-compiled-sample-{next(_sample_numbers)}"

    def value(self) -> str:
        return self._value


class SampleDateTime(Sample):
    def __init__(self) -> None:
        self._value = datetime.datetime(
            1901, 2, 3, 4, 5, 6, next(_sample_numbers), tzinfo=datetime.UTC
        )

    def value(self) -> datetime.datetime:
        return self._value

    def adapt(self, value: datetime.datetime, connection) -> Any:
        # As DateTimeField.get_db_prep_value does: SQLite receives text, PostgreSQL the value.
        if timezone.is_naive(value):
            value = timezone.make_aware(value, datetime.UTC)
        return connection.ops.adapt_datetimefield_value(value)


class _Compiled:
    """One shape's SQL on one database: its text, where each value goes, how rows come back."""

    def __init__(self, queryset: QuerySet, samples: dict[str, Sample], using: str) -> None:
        connection = connections[using]
        compiler = queryset.query.get_compiler(using)
        self.sql, params = compiler.as_sql()
        expected = {
            name: sample.adapt(sample.value(), connection) for name, sample in samples.items()
        }
        # Each parameter is either a constant of the shape or the slot of a named value.
        self.slots: list[tuple[str | None, Any]] = []
        found = set()
        for param in params:
            name = next(
                (n for n, v in expected.items() if type(v) is type(param) and v == param), None
            )
            if name is None and _carries_a_sample(param, expected.values()):
                raise ImproperlyConfigured(
                    f"Compiled query: the parameter {param!r} holds a sample value the ORM "
                    "transformed, so it would stay fixed while the value changes."
                )
            self.slots.append((name, None if name else param))
            if name:
                found.add(name)
        if missing := set(samples) - found:
            raise ImproperlyConfigured(
                f"Compiled query: {', '.join(sorted(missing))} did not reach the SQL as a "
                "parameter, so this shape cannot be reused with other values."
            )
        self.samples = samples
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        self.converters = list(compiler.get_converters(fields).items())
        self.order = _column_order(queryset, compiler)

    def params(self, values: dict[str, Any], connection) -> list[Any]:
        return [
            self.samples[name].bind(values[name], connection) if name else constant
            for name, constant in self.slots
        ]


def _carries_a_sample(param: Any, samples) -> bool:
    """Whether a constant parameter is built from a sample (e.g. "%sample%" for contains)."""
    if isinstance(param, str):
        return any(isinstance(sample, str) and sample in param for sample in samples)
    return False


def _column_order(queryset: QuerySet, compiler) -> list[int] | None:
    """Where each field named in values_list() sits among the SELECT's columns (None: as is).

    Read from the compiled SELECT's aliases rather than assumed: Django versions differ in
    whether they select fields before annotations and reorder rows afterwards.
    """
    aliases = [alias for _, _, alias in compiler.select[: compiler.col_count]]
    # values_list()'s field names; django-stubs do not declare QuerySet._fields.
    fields = list(queryset._fields)  # type: ignore[attr-defined]
    if aliases == fields:
        return None
    if not set(fields) <= set(aliases):
        raise ImproperlyConfigured("Compiled query: only values_list() querysets are supported.")
    return [aliases.index(name) for name in fields]


class CompiledQuery:
    """A values_list queryset shape, compiled once per database and run with new values.

    `build(**samples)` returns the queryset; `samples` name its variable values. Safe to
    share between threads: the compiled form is immutable once stored.
    """

    def __init__(self, build: Callable[..., QuerySet], **samples: Sample) -> None:
        self._build = build
        self._samples = samples
        self._compiled: dict[str, _Compiled] = {}
        self._model: type[Model] | None = None
        self._lock = threading.Lock()

    def rows(self, **values: Any) -> list[tuple]:
        if values.keys() != self._samples.keys():
            raise TypeError(f"Compiled query takes {sorted(self._samples)}, got {sorted(values)}")
        queryset = None
        if self._model is None:
            queryset = self._sample_queryset()
            self._model = queryset.model
        using = router.db_for_read(self._model)
        compiled = self._compiled.get(using) or self._compile(using, queryset)
        connection = connections[using]
        with _statement_cursor(connection) as cursor:
            cursor.execute(compiled.sql, compiled.params(values, connection))
            rows = cursor.fetchall()
        if compiled.converters:
            rows = [_converted(row, compiled.converters, connection) for row in rows]
        if compiled.order is not None:
            rows = [tuple(row[index] for index in compiled.order) for row in rows]
        return rows

    def _sample_queryset(self) -> QuerySet:
        return self._build(**{name: sample.value() for name, sample in self._samples.items()})

    def _compile(self, using: str, queryset: QuerySet | None) -> _Compiled:
        with self._lock:
            compiled = self._compiled.get(using)
            if compiled is None:
                queryset = queryset if queryset is not None else self._sample_queryset()
                compiled = self._compiled[using] = _Compiled(queryset, self._samples, using)
        return compiled


def _statement_cursor(connection):
    """A cursor that binds parameters on the server, so PostgreSQL can prepare the statement.

    Django's psycopg cursors bind on the client, which rules out prepared statements; for
    a statement run thousands of times with new values, preparing skips PostgreSQL's
    parse and plan and psycopg's own query merging (together about half of a feed page's
    database time). psycopg prepares after DATABASES' `prepare_threshold` executions
    (settings: DATABASE_PREPARED_STATEMENTS). The cursor is wrapped as Django wraps its
    own, so query logging and execute wrappers still see it.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = ServerBindingCursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


def _converted(row: tuple, converters, connection) -> tuple:
    values = list(row)
    for position, (functions, expression) in converters:
        value = values[position]
        for convert in functions:
            value = convert(value, expression, connection)
        values[position] = value
    return tuple(values)
