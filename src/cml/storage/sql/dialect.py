"""What the SQL of the two backends differs in, and nothing else.

The statements both backends run are written once (:mod:`cml.storage.sql`) and filled in by a
:class:`Dialect`: the parameter mark, how a list of values is bound, how times, JSON and vectors
are stored, and the two planner details one backend has and the other lacks. Each backend
defines its dialect next to its connections (``sqlite/dialect.py``, ``postgres/dialect.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from cml.storage.base import Vector

__all__ = ["Dialect", "dump_json"]

_T = TypeVar("_T")


def dump_json(value: Any) -> str:
    """Compact JSON text for a list or dict (values JSON cannot hold are written as their ``str``).

    Example:
        >>> dump_json({"tags": ["a", "b"], "n": 1})
        '{"tags":["a","b"],"n":1}'
    """
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


@dataclass(frozen=True)
class Dialect:
    """How one backend spells the shared statements.

    Example:
        >>> def same(value: object) -> object:
        ...     return value
        >>> d = Dialect("demo", "?", array_lists=False, chunk_size=500, time_in=same,
        ...             time_out=same, json_in=same, json_out=same, vector_in=same,
        ...             vector_out=same, json_key=str, json_value="?", json_any="",
        ...             epoch_day="")
        >>> d.in_list("m.id", ["a", "b"])
        ('m.id IN (?, ?)', ['a', 'b'])
    """

    name: str
    mark: str
    """The parameter placeholder: ``?`` or ``%s``."""
    array_lists: bool
    """``True``: a list is one array parameter (``= ANY(%s)``); ``False``: one mark per value."""
    chunk_size: int
    """Most values bound in one list (SQLite limits the parameters of a statement)."""
    time_in: Callable[[datetime], Any]
    """A datetime as stored (naive ones count as UTC)."""
    time_out: Callable[[Any], datetime]
    """A stored time as a timezone-aware UTC datetime."""
    json_in: Callable[[Any], Any]
    """A list or dict as stored."""
    json_out: Callable[[Any], Any]
    """A stored list or dict as Python values."""
    vector_in: Callable[[Vector], Any]
    """An embedding as stored."""
    vector_out: Callable[[Any], Vector]
    """A stored embedding as a float32 array of its own (not a view of a row buffer)."""
    json_key: Callable[[str], str]
    """A key of a JSON object as the ``->`` operator takes it (SQLite: a JSON path)."""
    json_value: str
    """The SQL of a JSON parameter comparable with what ``->`` returns (``json(?)``, ``%s``)."""
    json_any: str
    """SQL saying the JSON array ``{column}`` holds one of the strings in ``{values}``."""
    epoch_day: str
    """SQL of the UTC day of the time ``{column}`` as an integer: days since 1970-01-01."""
    row_lock: str = ""
    """Appended to a ``SELECT`` whose rows an ``UPDATE`` will take (``FOR UPDATE``), if any."""
    index_hint: str = ""
    """Put after a table name to force one of its indexes, with ``{}`` for the index name."""

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
