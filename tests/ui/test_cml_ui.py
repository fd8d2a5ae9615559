"""``cml ui --db PATH``: the dashboard on a local store, signed in with the key it prints."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from .browser import watched_page


@contextmanager
def _cml_ui(launcher: Any, db: Path, log: Path) -> Iterator[tuple[str, str]]:
    """Run ``cml ui --db db``; its dashboard address and admin key, read from its output."""
    env = launcher.env(db.parent / "unused-data-dir")
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "cml", "ui", "--db", str(db)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        try:
            assert process.stdout is not None
            printed = process.stdout.readline() + process.stdout.readline()
            found = re.search(r"Dashboard: (http://127\.0\.0\.1:\d+/ui/)", printed)
            key = re.search(r"this command runs\): (\S+)", printed)
            assert found, f"cml ui printed {printed!r}; stderr: {log.read_text()}"
            assert key, f"cml ui printed {printed!r}"
            url = found.group(1)
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    pytest.fail(f"cml ui exited with {process.returncode}: {log.read_text()}")
                try:
                    if httpx.get(url.replace("/ui/", "/api/v1/health"), timeout=1).is_success:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "cml ui did not answer within 30 s"
                time.sleep(0.1)
            yield url, key.group(1)
        finally:
            launcher.stop(process)


def test_cml_ui_serves_a_local_store_signed_in_with_the_printed_key(
    chromium: Any, launcher: Any, tmp_path: Path
) -> None:
    db = tmp_path / "notes" / "memory.db"
    with _cml_ui(launcher, db, tmp_path / "first.log") as (url, key):
        api = url.replace("/ui/", "/api/v1")
        written = httpx.post(
            f"{api}/memory/write",
            json={"content": "The greenhouse sprinklers run at dawn"},
            headers={"X-API-Key": key},
        )
        written.raise_for_status()
        memory_id = written.json()["memory_id"]

        with watched_page(chromium, url.removesuffix("/ui/")) as page:
            page.goto(url)
            page.get_by_test_id("api-key").fill(key)
            page.get_by_test_id("sign-in").click()
            expect(page.get_by_test_id("whoami")).to_have_text("admin key · home tenant default")
            page.get_by_test_id("nav-memories").click()
            row = page.locator(f"[data-testid=memory-row][data-id='{memory_id}']")
            expect(row).to_contain_text("greenhouse sprinklers")
    # The store is the file named; the memory outlives the command.
    assert db.is_file()

    # The next run prints a new key; the old one no longer opens anything.
    with _cml_ui(launcher, db, tmp_path / "second.log") as (url, second):
        assert second != key
        api = url.replace("/ui/", "/api/v1")
        assert (
            httpx.get(f"{api}/memories/{memory_id}", headers={"X-API-Key": key}).status_code == 401
        )
        kept = httpx.get(f"{api}/memories/{memory_id}", headers={"X-API-Key": second})
        assert kept.json()["text"] == "The greenhouse sprinklers run at dawn"
