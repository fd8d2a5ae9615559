"""Every ``--help`` reads cleanly at 80 columns; ``--version`` and shell completion work."""

from __future__ import annotations

import typer.main
from typer.testing import CliRunner

from cml._version import __version__
from cml.cli import app


def _command_paths() -> list[list[str]]:
    paths: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        paths.append(path)
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return paths


def test_every_help_shows_no_bool_placeholder_and_fits_80_columns() -> None:
    runner = CliRunner(env={"COLUMNS": "80"})
    paths = _command_paths()
    expected = {"memories", "stats", "admin", "doctor", "keys", "serve", "export", "import"}
    assert expected <= {path[0] for path in paths if path}
    assert ["admin", "events"] in paths
    assert ["memories", "search"] in paths
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "<bool>" not in result.stdout, path
        assert "--help" in result.stdout
        assert max(len(line) for line in result.stdout.splitlines()) <= 80, path


def test_version_option_and_command() -> None:
    runner = CliRunner()
    for argv in (["--version"], ["-V"], ["version"]):
        result = runner.invoke(app, argv)
        assert result.exit_code == 0
        assert result.stdout.strip() == f"py-cml {__version__}"


def test_shell_completion_script_and_completions() -> None:
    script = CliRunner().invoke(app, ["--show-completion", "bash"])
    assert script.exit_code == 0
    assert "_CML_COMPLETE" in script.stdout

    completing = CliRunner(
        env={"_CML_COMPLETE": "complete_bash", "COMP_WORDS": "cml adm", "COMP_CWORD": "1"}
    ).invoke(app, [], prog_name="cml")
    assert "admin" in completing.stdout.split()
