"""Fault injection: how many corruptions of a SQLite store each integrity check detects.

Takes a closed, checkpointed py-cml store (``cml.db``) and, trial after trial, damages a copy in
one of two ways:

- ``pages``: overwrite ``--pages`` random pages in the middle third of the file with random bytes
  (a failing disk, a stray write);
- ``bit``: flip one random bit anywhere after the first page (bit rot).

Each damaged copy goes through ``quick_check`` (what ``cml serve`` runs at start) and the full
check (``integrity_check`` and the FTS5 indexes' own checks: what ``POST
/admin/integrity-check``, ``cml doctor --full`` and the daily background check run). A damaged
copy none of them notices is then compared with the intact store, row by row over every table:
``silent`` means a stored value changed unnoticed, ``harmless`` that the flip fell in unused
space (free pages, slack inside a page) and changed nothing a query can read.

Usage::

    python benchmarks/integrity_trials.py PATH/TO/cml.db --trials 100 --seed 1
    python benchmarks/integrity_trials.py PATH/TO/cml.db --kind pages --pages 3

Build a store to damage with ``--build DIR`` (hash embeddings, 1,200 memories, ~6 MB).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import sqlite3
import sys
import tempfile
from collections import Counter
from contextlib import closing
from pathlib import Path

from cml.storage.sqlite import integrity

WORDS = ["harbour", "lantern", "orchard", "quarry", "saddle", "thimble", "violin", "walrus"]


def build(directory: Path) -> Path:
    """A checkpointed store of 1,200 memories in ``directory`` (``cml.db``)."""
    from cml.engine import open_engine
    from cml.engine.config import EngineConfig
    from cml.models import BatchWriteItem, BatchWriteRequest

    directory.mkdir(parents=True, exist_ok=True)
    db = directory / "cml.db"
    engine = open_engine(EngineConfig(database_url=f"sqlite:///{db}", embedding_provider="hash"))
    rng = random.Random(18)
    for batch in range(8):
        items = [
            BatchWriteItem(content=f"Note {batch}-{n}: " + " ".join(rng.choices(WORDS, k=120)))
            for n in range(150)
        ]
        engine.memories.write_batch("bench", BatchWriteRequest(items=items))
    engine.close()
    return db


def fingerprint(db: Path) -> str | None:
    """A hash of every row of every table, or ``None`` when the file cannot be read through."""
    digest = hashlib.sha256()
    try:
        with closing(sqlite3.connect(db)) as conn:
            tables = [
                name
                for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE "
                    "'CREATE VIRTUAL%' AND name NOT LIKE '%fts%' ORDER BY name"
                )
            ]
            for table in tables:
                for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
                    digest.update(repr(row).encode())
    except sqlite3.DatabaseError:
        return None
    return digest.hexdigest()


def damage(db: Path, kind: str, pages: int, rng: random.Random) -> None:
    """Overwrite ``pages`` random middle pages, or flip one random bit after the first page."""
    with closing(sqlite3.connect(db)) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        page_count = conn.execute("PRAGMA page_count").fetchone()[0]
    with db.open("r+b") as raw:
        if kind == "pages":
            third = page_count // 3
            for page in rng.sample(range(third, 2 * third), pages):
                raw.seek(page * page_size)
                raw.write(rng.randbytes(page_size))
        else:
            offset = rng.randrange(page_size, page_count * page_size)
            raw.seek(offset)
            byte = raw.read(1)[0]
            raw.seek(offset)
            raw.write(bytes([byte ^ (1 << rng.randrange(8))]))


def trial(store: Path, work: Path, kind: str, pages: int, rng: random.Random, intact: str) -> str:
    """Damage a copy of ``store`` once; what caught it (``quick``, ``full``) or what it did."""
    copy = work / "trial.db"
    shutil.copyfile(store, copy)
    damage(copy, kind, pages, rng)
    with closing(sqlite3.connect(copy)) as conn:
        if integrity.problems(conn):
            return "quick"
    if integrity.full_check(str(copy)).problems:
        return "full"
    return "harmless" if fingerprint(copy) == intact else "silent"


def main() -> None:
    """Run the trials and print the counts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("store", type=Path, nargs="?", help="a closed py-cml cml.db")
    parser.add_argument("--build", type=Path, help="build a store in this directory first")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--kind", choices=["pages", "bit", "both"], default="both")
    parser.add_argument("--pages", type=int, default=3, help="pages overwritten per trial")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    store = build(args.build) if args.build else args.store
    if store is None:
        parser.error("give a store, or --build DIR")
    intact = fingerprint(store)
    if intact is None or integrity.full_check(str(store)).problems:
        sys.exit(f"{store} is not intact to begin with")
    size = store.stat().st_size
    print(f"store {store} ({size / 1e6:.1f} MB), {args.trials} trials per kind, seed {args.seed}")
    kinds = ["pages", "bit"] if args.kind == "both" else [args.kind]
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            rng = random.Random(args.seed)
            seen = Counter(
                trial(store, Path(tmp), kind, args.pages, rng, intact) for _ in range(args.trials)
            )
            what = f"{args.pages} pages overwritten" if kind == "pages" else "1 bit flipped"
            detected = seen["quick"] + seen["full"]
            print(
                f"{what}: {args.trials} injected, {detected} detected (quick_check at start "
                f"{seen['quick']}, only the full check {seen['full']}), silent value changes "
                f"{seen['silent']}, harmless (unused space) {seen['harmless']}"
            )


if __name__ == "__main__":
    main()
