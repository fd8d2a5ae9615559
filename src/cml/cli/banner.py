"""The one banner ``cml serve`` prints at startup: where it serves, what, and with which keys.

It names keys by name and id only: a secret never reaches the terminal or a log.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from cml._version import __version__
from cml.models import ApiKeyInfo
from cml.models.routes import API_PREFIX
from cml.server.docs import DOCS_PATH
from cml.server.settings import ServerSettings

__all__ = ["banner"]

_MAX_KEYS = 5


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _keys_line(settings: ServerSettings, stored: list[ApiKeyInfo]) -> str:
    if not settings.auth_enabled:
        return "auth is off: every request is served without a key"
    active = []
    if settings.admin_api_key is not None:
        active.append("CML_ADMIN_API_KEY (admin, from the environment)")
    if settings.api_key is not None:
        active.append("CML_API_KEY (from the environment)")
    live = [key for key in stored if key.revoked_at is None]
    for key in live[:_MAX_KEYS]:
        label = f"{key.name!r} " if key.name else ""
        active.append(f"{label}id {key.id} (tenant {key.tenant_id})")
    if len(live) > _MAX_KEYS:
        active.append(f"and {len(live) - _MAX_KEYS} more (cml keys list)")
    if not active:
        return "none yet: create one with `cml keys create --tenant <tenant>`"
    return "; ".join(active)


def banner(settings: ServerSettings, backend: str, keys: list[ApiKeyInfo]) -> str:
    """The startup banner of ``cml serve``.

    Args:
        settings: The server's settings (host, port, data directory, database, auth).
        backend: The storage backend in use (``sqlite`` or ``postgres``).
        keys: The stored API keys (only names, ids and tenants are shown).

    Returns:
        Several lines of text, without a trailing newline.
    """
    host = settings.host
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{settings.port}"
    where = (
        f"  data directory  {settings.data_dir}"
        if settings.database_url is None
        else f"  database        {_without_password(settings.resolved_database_url)}"
    )
    return "\n".join(
        [
            f"py-cml {__version__} serving {base}{API_PREFIX}",
            where,
            f"  backend         {backend}",
            f"  API docs        {base}{DOCS_PATH}",
            f"  readiness       {base}{API_PREFIX}/ready (200 once the model is loaded)",
            f"  keys            {_keys_line(settings, keys)}",
        ]
    )
