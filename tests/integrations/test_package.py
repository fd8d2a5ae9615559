"""cml.integrations stays light, and a missing extra names what to install."""

from __future__ import annotations

import os
import subprocess
import sys

import cml.integrations


def _python(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CML_")}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


def test_public_names_are_exported() -> None:
    for name in cml.integrations.__all__:
        assert getattr(cml.integrations, name) is not None


def test_importing_the_integrations_imports_no_framework() -> None:
    done = _python(
        "import sys, cml, cml.integrations\n"
        "print(sorted(m for m in ('openai', 'mcp', 'agents', 'autogen_core', 'autogen_agentchat')"
        " if m in sys.modules))"
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_mcp_server_without_the_extra_names_the_extra() -> None:
    done = _python("import sys\nsys.modules['mcp'] = None\nimport cml.integrations.mcp_server")

    assert done.returncode != 0
    assert "pip install 'py-cml[integrations]'" in done.stderr


def test_cml_mcp_without_the_extra_is_one_clear_line() -> None:
    done = _python(
        "import sys\nsys.modules['mcp'] = None\nsys.argv = ['cml', 'mcp', '--db', ':memory:']\n"
        "from cml.cli import main\nmain()"
    )

    assert done.returncode == 1
    assert done.stdout == ""
    assert "Error:" in done.stderr
    assert "pip install 'py-cml[integrations]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_each_adapter_without_its_extra_names_the_extra() -> None:
    for module, blocked, extra in [
        ("cml.integrations.openai_agents", "agents", "openai-agents"),
        ("cml.integrations.autogen", "autogen_core", "autogen"),
        ("cml.integrations.mcp_http", "mcp", "integrations"),
    ]:
        done = _python(f"import sys\nsys.modules[{blocked!r}] = None\nimport {module}")

        assert done.returncode != 0, module
        assert f"pip install 'py-cml[{extra}]'" in done.stderr, module


def test_cml_serve_without_the_mcp_package_still_builds_its_app() -> None:
    done = _python(
        "import sys\nsys.modules['mcp'] = None\n"
        "from cml.cli.mcp import mount_mcp_when_installed\n"
        "from cml.server.app import create_app\n"
        "app = create_app()\n"
        "paths = [getattr(r, 'path', None) for r in app.routes]\n"
        "print(mount_mcp_when_installed(app), '/mcp' in paths)"
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False False"
