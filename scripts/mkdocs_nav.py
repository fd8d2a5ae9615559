"""MkDocs hook: every page of docs/ is in the site's navigation, listed in mkdocs.yml or not.

A page that ``nav`` does not list joins the section its folder names (``integrations/`` ->
"Integrations", created before "API reference" when missing) or, at the top level, "Guides".
So a new page never drops out of the site, and ``mkdocs build --strict`` needs no nav edit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SECTION_OF_FOLDER = {"integrations": "Integrations"}
TOP_LEVEL_SECTION = "Guides"
BEFORE = "API reference"


def _listed(nav: list[Any]) -> set[str]:
    found: set[str] = set()
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        if isinstance(value, list):
            found |= _listed(value)
        else:
            found.add(str(value))
    return found


def _section(nav: list[Any], title: str) -> list[Any]:
    for entry in nav:
        if isinstance(entry, dict) and isinstance(entry.get(title), list):
            pages: list[Any] = entry[title]
            return pages
    created: list[Any] = []
    titles = [next(iter(entry)) if isinstance(entry, dict) else None for entry in nav]
    position = titles.index(BEFORE) if BEFORE in titles else len(nav)
    nav.insert(position, {title: created})
    return created


def on_config(config: Any, **_: Any) -> Any:
    """Add the pages of ``docs_dir`` that ``nav`` leaves out."""
    nav = config["nav"]
    docs = Path(config["docs_dir"])
    listed = _listed(nav)
    for page in sorted(docs.rglob("*.md")):
        relative = page.relative_to(docs).as_posix()
        if relative in listed:
            continue
        folder = relative.split("/")[0] if "/" in relative else ""
        title = SECTION_OF_FOLDER.get(folder, TOP_LEVEL_SECTION)
        _section(nav, title).append(relative)
    return config
