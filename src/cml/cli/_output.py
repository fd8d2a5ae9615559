"""How ``cml`` commands print results: JSON for scripts, rich tables for people.

Tables are laid out to fit 80 columns: an id never wraps (it is copied into the next command),
so the columns beside it are few and the free text wraps instead.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import typer
from pydantic import BaseModel
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

__all__ = [
    "as_data",
    "memory_table",
    "print_json",
    "print_table",
    "printed",
    "short_time",
    "table",
]

_Result = TypeVar("_Result")


def as_data(value: Any) -> Any:
    """``value`` as JSON-ready data (models dumped, lists and dicts walked)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [as_data(item) for item in value]
    if isinstance(value, dict):
        return {key: as_data(item) for key, item in value.items()}
    return value


def print_json(value: Any, *, lines: bool = False) -> None:
    """Print ``value`` as indented JSON on stdout (``lines``: one compact line)."""
    data = as_data(value)
    typer.echo(json.dumps(data, ensure_ascii=False, indent=None if lines else 2))


def printed(
    show: Callable[[_Result], None],
) -> Callable[[Callable[..., _Result]], Callable[..., None]]:
    """Print what the decorated command returns: as JSON with ``--json``, else by ``show``.

    The command then only fetches; it takes its own options (and ``client``), and the function
    returned takes ``as_json`` besides. Put it under :func:`~cml.cli._client.connected`.

    Args:
        show: Prints the command's result for people.

    Returns:
        The decorator.
    """

    def decorate(command: Callable[..., _Result]) -> Callable[..., None]:
        @functools.wraps(command)
        def run(*, as_json: bool, **options: Any) -> None:
            result = command(**options)
            if as_json:
                print_json(result)
            else:
                show(result)

        return run

    return decorate


def short_time(value: datetime | None) -> str:
    """A timestamp to the minute (``2026-03-01 14:05``), or nothing."""
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


def table(*columns: str, no_wrap: Iterable[str] = ()) -> Table:
    """An empty table with ``cml``'s look; the named columns never wrap."""
    keep = set(no_wrap)
    result = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for title in columns:
        result.add_column(title, no_wrap=title in keep, overflow="fold")
    return result


def print_table(rendered: Table) -> None:
    """Print a table on stdout at the terminal's width."""
    Console(highlight=False).print(rendered)


def memory_table(items: Sequence[Any], *, scores: bool = False) -> Table:
    """Memories as a table: id with type, status and score beneath it, then the text.

    Args:
        items: Memories (``MemoryItem`` or ``MemoryRecordOut``): what is shown is their ``id``,
            ``type``, ``status``, ``text`` and, with ``scores``, ``relevance``.
        scores: Show each memory's relevance.
    """
    result = table("memory", "text", no_wrap=("memory",))
    for item in items:
        details = [str(item.type), str(item.status)]
        if scores:
            details.append(f"{item.relevance:.2f}")
        cell = Text(item.id)
        cell.append("\n" + "  ".join(details), style="dim")
        result.add_row(cell, Text(item.text))
    return result
