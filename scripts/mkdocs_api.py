"""MkDocs hook: reference tables generated from the code, so that they cannot drift from it.

``<!-- operations -->`` (docs/reference/http.md) becomes one table per tag of the app's own
OpenAPI document: method and path, the scope a key needs, the summary. ``<!-- settings -->``
(docs/reference/config.md) becomes the table of the server's ``CML_*`` settings with their
defaults and descriptions.
"""

from __future__ import annotations

from typing import Any

OPERATIONS = "<!-- operations -->"
SETTINGS = "<!-- settings -->"


def _operations() -> str:
    from cml.models.routes import API_PREFIX, ROUTES
    from cml.server.app import create_app
    from cml.server.settings import ServerSettings

    spec = create_app(ServerSettings(embedding_provider="hash")).openapi()
    scopes = {(route.method, API_PREFIX + route.path): route.scope for route in ROUTES}
    by_tag: dict[str, list[str]] = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            scope = scopes.get((method.upper(), path))
            who = str(scope) if scope is not None else "none"
            row = f"| `{method.upper()} {path}` | {who} | {operation.get('summary', '')} |"
            by_tag.setdefault(operation.get("tags", ["other"])[0], []).append(row)
    parts = []
    for tag, rows in by_tag.items():
        header = ["| operation | scope | what it does |", "|---|---|---|"]
        parts.append("\n".join([f"### {tag.capitalize()}", "", *header, *rows]))
    return "\n\n".join(parts)


def _settings() -> str:
    from cml.server.settings import ServerSettings

    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in ServerSettings.model_fields.items():
        default = "—" if field.default in (None, "") else f"`{field.default}`"
        if field.default_factory is not None:
            default = "—"
        meaning = " ".join((field.description or "").split())
        rows.append(f"| `CML_{name.upper()}` | {default} | {meaning} |")
    return "\n".join(rows)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    """Fill the generated tables of the reference pages."""
    if OPERATIONS in markdown:
        markdown = markdown.replace(OPERATIONS, _operations())
    if SETTINGS in markdown:
        markdown = markdown.replace(SETTINGS, _settings())
    return markdown
