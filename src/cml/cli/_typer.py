"""The Typer application class every ``cml`` command group is made of.

Typer's rich help prints a type next to every option, flags included (``--json <bool>``), which
reads as if the flag took a value. The command classes here give flags an empty placeholder, so
help shows ``--json`` alone; every group and command of ``cml`` is built with them. (Typer 0.29
carries its own copy of click as ``typer._click``: its classes are the ones to name here.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from typer._click.core import Context, Parameter
from typer.core import TyperCommand, TyperGroup, TyperOption
from typer.models import CommandFunctionType

__all__ = ["CmlCommand", "CmlGroup", "CmlTyper"]


def _without_flag_types(params: list[Parameter]) -> list[Parameter]:
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""
    return params


class CmlCommand(TyperCommand):
    """A Typer command whose flags show no type in ``--help``."""

    def get_params(self, ctx: Context) -> list[Parameter]:
        """The command's parameters, flags without a type placeholder."""
        return _without_flag_types(super().get_params(ctx))


class CmlGroup(TyperGroup):
    """A Typer group whose flags show no type in ``--help``."""

    def get_params(self, ctx: Context) -> list[Parameter]:
        """The group's parameters, flags without a type placeholder."""
        return _without_flag_types(super().get_params(ctx))


class CmlTyper(typer.Typer):
    """``typer.Typer`` with ``cml``'s defaults: its command classes, help when called bare.

    Args:
        **kwargs: The arguments of ``typer.Typer``.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", CmlGroup)
        kwargs.setdefault("no_args_is_help", True)
        kwargs.setdefault("add_completion", False)
        kwargs.setdefault("pretty_exceptions_enable", False)
        # Markdown: docstrings wrapped in the source read as paragraphs, `code` as code.
        kwargs.setdefault("rich_markup_mode", "markdown")
        super().__init__(**kwargs)

    def command(
        self, *args: Any, **kwargs: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        """Register a command (``typer.Typer.command``) built with :class:`CmlCommand`."""
        kwargs.setdefault("cls", CmlCommand)
        return super().command(*args, **kwargs)
