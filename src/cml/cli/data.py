"""``cml export`` and ``cml import``: move memories between stores as JSON lines.

::

    cml export --output memories.jsonl [--tenant T]          # from the configured store
    CML_DATABASE_URL=postgresql://... cml import memories.jsonl

The file format is described in :mod:`cml.engine.transfer`. Both commands work on the configured
store directly (no server needed) and draw a progress bar on stderr, so ``cml export -o -`` can
stream into a pipe.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from cml.cli._common import DatabaseUrlOption, DataDirOption, cli_errors, err, fail, settings_from

if TYPE_CHECKING:
    from cml.engine import Engine

__all__ = ["export_command", "import_command"]

MAX_BAD_LINES_SHOWN = 20


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )


@contextmanager
def _engine(data_dir: Path | None, database_url: str | None) -> Iterator[Engine]:
    settings = settings_from(data_dir=data_dir, database_url=database_url)
    with cli_errors():
        from cml.engine import open_engine

        engine = open_engine(settings.to_engine_config())
    try:
        yield engine
    finally:
        engine.close()


@contextmanager
def _output(path: str) -> Iterator[TextIO]:
    if path == "-":
        yield sys.stdout
        return
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        yield handle


def export_command(
    output: Annotated[
        str, typer.Option("--output", "-o", help="File to write, or - for standard output.")
    ] = "-",
    tenant: Annotated[
        str | None,
        typer.Option("--tenant", "-t", help="Only this tenant (default: all).", show_default=False),
    ] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Write every memory (all statuses, with history and embeddings) as JSON lines."""
    from cml.engine.transfer import count_memories, export_lines

    with _engine(data_dir, database_url) as opened:
        store, model = opened.store, opened.embedder.model_name
        written = 0
        with cli_errors(), _output(output) as out, _progress() as bar:
            task = bar.add_task("Exporting", total=count_memories(store, tenant))
            for line in export_lines(store, model, tenant):
                out.write(line + "\n")
                written += 1
                bar.advance(task)
            out.flush()
    where = "standard output" if output == "-" else output
    err.print(f"Exported {written} memories to {where}.")


def import_command(
    file: Annotated[Path, typer.Argument(help="A file written by `cml export` (- for stdin).")],
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, max=10_000, help="Memories per transaction.")
    ] = 200,
    bulk: Annotated[
        bool,
        typer.Option(
            "--bulk",
            help="A large first load: PostgreSQL builds its vector index once at the end"
            " (vector searches are exact and slower meanwhile).",
        ),
    ] = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Import memories from JSON lines; ids already in the store are skipped (safe to re-run).

    Bad lines are reported with their number and reason; every good line is still imported.
    Memories embedded by another model than the store's are re-embedded.
    """
    from cml.engine.transfer import import_lines

    stdin = str(file) == "-"
    if not stdin and not file.is_file():
        fail(f"{file} is not a file.", code=2)
    total = None
    if not stdin:
        with file.open("rb") as counted:
            total = sum(1 for _ in counted)
    with (
        _engine(data_dir, database_url) as opened,
        cli_errors(),
        _stdin() if stdin else file.open(encoding="utf-8", errors="replace") as handle,
        _progress() as bar,
    ):
        task = bar.add_task("Importing", total=total)
        report = import_lines(
            opened.store,
            opened.embedder,
            enumerate(handle, start=1),
            batch_size=batch_size,
            progress=lambda n: bar.advance(task, n),
            bulk=bulk,
        )
    err.print(
        f"Imported {report.imported} memories; {report.skipped} already present (skipped); "
        f"{report.reembedded} re-embedded; {len(report.bad_lines)} bad lines."
    )
    for bad in report.bad_lines[:MAX_BAD_LINES_SHOWN]:
        err.print(f"  line {bad.line_number}: {bad.reason}", soft_wrap=True, markup=False)
    if len(report.bad_lines) > MAX_BAD_LINES_SHOWN:
        err.print(f"  ... and {len(report.bad_lines) - MAX_BAD_LINES_SHOWN} more")
    if report.bad_lines:
        raise typer.Exit(1)


@contextmanager
def _stdin() -> Iterator[TextIO]:
    yield sys.stdin
