"""What every command module shares: the error console, the --debug state and the
one-line failure. Kept apart from cli.py so that sub-apps need no circular import."""

from __future__ import annotations

import traceback

import typer
from rich.console import Console

err = Console(stderr=True)
STATE = {"debug": False}


def fail(exc: BaseException) -> None:
    """Print a user-fixable error as one line and exit 1 (traceback first with --debug)."""
    if STATE["debug"]:
        traceback.print_exc()
    msg = str(exc).replace("\n", " ")
    err.print(f"[bold red]error:[/] {msg}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)
