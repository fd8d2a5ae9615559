"""The package surface: ``__all__`` is complete, ``import cml`` is light, extras fail clearly."""

from __future__ import annotations
import __future__

import subprocess
import sys
import textwrap
from types import ModuleType

import cml
from cml import models


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_all_names_resolve() -> None:
    for name in cml.__all__:
        assert getattr(cml, name) is not None, name
    assert len(set(cml.__all__)) == len(cml.__all__)


def test_all_lists_every_public_name() -> None:
    public = {
        name
        for name, value in vars(cml).items()
        if not name.startswith("_")
        and not isinstance(value, ModuleType | __future__._Feature)  # submodules, `annotations`
    }

    assert public == set(cml.__all__) - {"__version__"}


def test_the_models_users_need_are_exported() -> None:
    for name in [
        "MemoryType",
        "MemoryStatus",
        "ReadFormat",
        "Feedback",
        "Scope",
        "WriteResponse",
        "ReadResponse",
        "MemoryItem",
        "TurnResponse",
        "UpdateResponse",
        "ForgetResponse",
        "StatsResponse",
        "HealthResponse",
        "ApiKeyInfo",
        "ApiKeyCreated",
    ]:
        assert getattr(cml, name) is getattr(models, name)


def test_version_is_a_string() -> None:
    assert isinstance(cml.__version__, str)
    assert cml.__version__.count(".") >= 1


def test_import_cml_stays_light() -> None:
    result = _run(
        """
        import sys
        import cml
        heavy = ["cml.server", "cml.engine", "cml.storage", "fastapi", "starlette", "numpy",
                 "torch", "sentence_transformers", "pydantic_settings"]
        print(",".join(name for name in heavy if name in sys.modules))
        """
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_embedded_without_the_server_extra_names_the_extra() -> None:
    # Blocking fastapi's import stands in for an install without the extra.
    result = _run(
        """
        import sys
        sys.modules["fastapi"] = None
        import cml
        try:
            cml.EmbeddedCognitiveMemoryLayer(embedding_provider="hash")
        except ImportError as exc:
            print(exc)
        """
    )

    assert result.returncode == 0, result.stderr
    assert "pip install 'py-cml[server]'" in result.stdout
