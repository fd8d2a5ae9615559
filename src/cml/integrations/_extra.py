"""One clear error for a missing ``integrations`` extra."""

from __future__ import annotations

import importlib

__all__ = ["INSTALL_HINT", "require"]

INSTALL_HINT = "pip install 'py-cml[integrations]'"


def require(package: str, extra: str = "integrations") -> None:
    """Fail with an error naming the extra to install when ``package`` cannot be imported.

    Args:
        package: Top-level name of the third-party package, e.g. ``"mcp"``.
        extra: The py-cml extra that installs it.

    Raises:
        ImportError: The package is missing (or broken).
    """
    try:
        importlib.import_module(package)
    except ImportError as exc:
        raise ImportError(
            f"This part of py-cml needs the {package!r} package: pip install 'py-cml[{extra}]'",
            name=package,
        ) from exc
