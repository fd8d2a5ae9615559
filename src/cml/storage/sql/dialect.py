"""What the SQL of the two backends differs in, and nothing else.

The statements both backends run are written once (:mod:`cml.storage.sql`) and filled in by a
:class:`Dialect` subclass: the parameter mark, how a list of values is bound, how times, JSON and
vectors are stored, and the two planner details one backend has and the other lacks. Each backend
defines its dialect next to its connections (``sqlite/dialect.py``, ``postgres/dialect.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar, cast

from cml.storage.base import Vector

__all__ = ["Dialect", "as_utc", "dump_json"]

_T = TypeVar("_T")


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware datetime (a naive one counts as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def dump_json(value: Any) -> str:
    """Compact JSON text for a list or dict (values JSON cannot hold are written as their ``str``).

    Example:
        >>> dump_json({"tags": ["a", "b"], "n": 1})
        '{"tags":["a","b"],"n":1}'
    """
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


class Dialect:
    """How one backend spells the shared statements: each backend subclasses it once.

    The class attributes are the SQL that differs; the methods convert values on their way in
    and out. The conversions here pass values through unchanged (the driver adapts them, as
    psycopg does); a backend that stores a value in another form overrides them.

    Example:
        >>> class Demo(Dialect):
        ...     mark = "?"
        >>> Demo().in_list("m.id", ["a", "b"])
        ('m.id IN (?, ?)', ['a', 'b'])
    """

    mark: ClassVar[str]
    """The parameter placeholder: ``?`` or ``%s``."""
    array_lists: ClassVar[bool] = False
    """``True``: a list is one array parameter (``= ANY(%s)``); ``False``: one mark per value."""
    chunk_size: ClassVar[int] = 1_000_000
    """Most values bound in one list (SQLite limits the parameters of a statement)."""
    json_value: ClassVar[str]
    """The SQL of a JSON parameter comparable with what ``->`` returns (``json(?)``, ``%s``)."""
    json_any: ClassVar[str]
    """SQL saying the JSON array ``{column}`` holds one of the strings in ``{values}``."""
    epoch_day: ClassVar[str]
    """SQL of the UTC day of the time ``{column}`` as an integer: days since 1970-01-01."""
    row_lock: ClassVar[str] = ""
    """Appended to a ``SELECT`` whose rows an ``UPDATE`` will take (``FOR UPDATE``), if any."""
    index_hint: ClassVar[str] = ""
    """Put after a table name to force one of its indexes, with ``{}`` for the index name."""

    def time_in(self, value: datetime) -> Any:
        """A datetime as stored (naive ones count as UTC)."""
        return as_utc(value)

    def time_out(self, value: Any) -> datetime:
        """A stored time as a timezone-aware UTC datetime."""
        return cast(datetime, value)

    def json_in(self, value: Any) -> Any:
        """A list or dict as stored."""
        return value

    def json_out(self, value: Any) -> Any:
        """A stored list or dict as Python values."""
        return value

    def vector_in(self, vector: Vector) -> Any:
        """An embedding as stored."""
        return vector

    def vector_out(self, value: Any) -> Vector:
        """A stored embedding as a float32 array of its own (not a view of a row buffer)."""
        return cast(Vector, value)

    def json_key(self, key: str) -> str:
        """A key of a JSON object as the ``->`` operator takes it (SQLite: a JSON path)."""
        return key

    def marks(self, count: int) -> str:
        """``count`` placeholders separated by commas, for a ``VALUES`` row."""
        return ", ".join([self.mark] * count)

    def list_marks(self, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """The marks binding ``values`` as a list, and their parameters (``values`` not empty)."""
        if self.array_lists:
            return self.mark, [list(values)]
        return self.marks(len(values)), list(values)

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """SQL saying ``column`` is one of ``values``, and its parameters (``values`` not empty)."""
        marks, params = self.list_marks(values)
        if self.array_lists:
            return f"{column} = ANY({marks})", params
        return f"{column} IN ({marks})", params

    def chunks(self, values: Sequence[_T]) -> Iterator[Sequence[_T]]:
        """Consecutive slices of at most :attr:`chunk_size` values (none for no values)."""
        for start in range(0, len(values), self.chunk_size):
            yield values[start : start + self.chunk_size]

    def opt_time_in(self, value: datetime | None) -> Any:
        """:attr:`time_in`, passing ``None`` through."""
        return None if value is None else self.time_in(value)

    def opt_time_out(self, value: Any) -> datetime | None:
        """:attr:`time_out`, passing ``None`` through."""
        return None if value is None else self.time_out(value)

    def hint(self, index: str) -> str:
        """The hint forcing ``index`` (empty when the backend has no such hints)."""
        return self.index_hint.format(index) if self.index_hint else ""
