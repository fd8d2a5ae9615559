"""Fault injection on PostgreSQL: does py-cml's integrity check see a flipped bit in a page?

Needs a PostgreSQL build with ``amcheck`` (``--bindir``, e.g. ``/usr/lib/postgresql/15/bin``;
the ``pgserver`` wheel the tests use ships without it, and without pgvector in the system build
the trials use a plain table and its B-tree index rather than py-cml's schema). It creates a
cluster with data checksums in a temporary directory, fills a table of 20,000 rows with a B-tree
index, and per trial stops the server, restores the intact files, flips one bit in a page in the
middle of the table or the index file, starts it again and runs
:func:`cml.storage.postgres.integrity.check`.

PostgreSQL refuses to run as root: as root, pass ``--run-as USER`` to run the server as USER::

    python benchmarks/integrity_trials_pg.py --bindir /usr/lib/postgresql/15/bin --trials 5
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from cml.storage.postgres.integrity import check

PAGE = 8192


def main() -> None:
    """Run the trials and print how many flips were detected."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--bindir", type=Path, required=True)
    parser.add_argument("--trials", type=int, default=5, help="trials per relation")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--run-as", help="run initdb and the server as this user (from root)")
    args = parser.parse_args()

    def run(*command: object) -> None:
        words = [str(word) for word in command]
        if args.run_as:
            words = ["su", args.run_as, "-s", "/bin/sh", "-c", shlex.join(words)]
        subprocess.run(words, check=True, stdout=subprocess.DEVNULL)

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        if args.run_as:
            shutil.chown(tmp, user=args.run_as)
            os.chmod(tmp, 0o777)  # a throwaway cluster; root flips bits in its files
        run(args.bindir / "initdb", "-k", "-U", "postgres", "-D", data)
        options = f"-k {tmp} -p 55433 -c listen_addresses="

        def ctl(action: str) -> None:
            run(args.bindir / "pg_ctl", "-D", data, "-o", options, "-w", "-l", f"{tmp}/log", action)

        url = f"host={tmp} port=55433 user=postgres dbname=postgres"
        ctl("start")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION amcheck")
            conn.execute("CREATE TABLE notes (id int PRIMARY KEY, body text)")
            conn.execute("CREATE INDEX notes_body ON notes (body)")
            conn.execute(
                "INSERT INTO notes SELECT g, md5(g::text) FROM generate_series(1, 20000) g"
            )
            conn.execute("CHECKPOINT")
            files = {}
            for name in ("notes", "notes_body"):
                found = conn.execute("SELECT pg_relation_filepath(%s)", (name,)).fetchone()
                assert found is not None, name
                files[name] = data / found[0]
            assert not check(conn).problems
        ctl("stop")
        intact = {name: path.read_bytes() for name, path in files.items()}
        ctl("start")
        detected = 0
        for name, path in files.items():
            for _ in range(args.trials):
                ctl("stop")
                for other, original in intact.items():  # each trial damages an intact copy
                    files[other].write_bytes(original)
                pages = path.stat().st_size // PAGE
                offset = (pages // 2) * PAGE + rng.randrange(200, PAGE)
                with path.open("r+b") as raw:
                    raw.seek(offset)
                    byte = raw.read(1)[0]
                    raw.seek(offset)
                    raw.write(bytes([byte ^ (1 << rng.randrange(8))]))
                ctl("start")
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute("SELECT pg_stat_reset()")  # count this trial's failures only
                    found = check(conn).problems
                detected += bool(found)
                print(f"{name}: {found[:1] or 'not detected'}")
        print(f"{2 * args.trials} bits flipped, {detected} detected")
        ctl("stop")


if __name__ == "__main__":
    main()
