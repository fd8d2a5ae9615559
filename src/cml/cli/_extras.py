"""Which extra of py-cml brings a missing module, so that ``cml`` can name the one to install.

Imports nothing beyond the standard library: it must work when the extras it names are absent.
"""

from __future__ import annotations

__all__ = ["install_hint"]

_EXTRA_OF = {
    "typer": "cli",
    "rich": "cli",
    "click": "cli",
    "fastapi": "server",
    "starlette": "server",
    "uvicorn": "server",
    "pydantic_settings": "server",
    "numpy": "server",
    "onnxruntime": "server",
    "tokenizers": "server",
    "detect_secrets": "server",
    "psycopg": "postgres",
    "psycopg_pool": "postgres",
    "alembic": "postgres",
    "sqlalchemy": "postgres",
    "mcp": "integrations",
    "openai": "integrations",
    "sentence_transformers": "torch",
    "torch": "torch",
    "onnx": "torch",
}


def install_hint(exc: ImportError) -> str:
    """One line saying what is missing and which extra to install.

    Args:
        exc: The import failure; py-cml's own ``ImportError`` messages already name the extra
            and are returned as they are.

    Returns:
        For example ``numpy is not installed: pip install 'py-cml[server]'``.
    """
    root = (exc.name or "").split(".")[0]
    extra = _EXTRA_OF.get(root)
    if extra is None:
        return str(exc)
    return (
        f"{root} is not installed; it comes with the {extra} extra: pip install 'py-cml[{extra}]'"
    )
