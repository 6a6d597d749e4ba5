"""``dateline outlets``: import published outlet lists and show outlet profiles.

Registered by ``cli.py`` as ``app.add_typer(outlets_app, name="outlets")``. Commands
parse, call one function of :mod:`dateline.claims.outlets`, and render; user-fixable
errors (:class:`~dateline.errors.DatelineError`) print as one line with exit code 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from dateline.cli_common import fail
from dateline.errors import DatelineError

outlets_app = typer.Typer(help="Outlet profiles: the curated table plus imported published lists.",
                          no_args_is_help=True)
out = Console()


def _fail(exc: DatelineError) -> None:
    """One-line error, exit 1 (the parent app's --debug shows the traceback)."""
    fail(exc)


@outlets_app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="Outlet list, CSV or JSON (State Media Monitor matrix or name/country/... columns).")],
    store: Annotated[Optional[Path], typer.Option("--store", help="User outlet store (default: <cache dir>/outlets/user_outlets.json).")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace the store's imported profiles instead of adding to them.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Parse and report, write nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import a published outlet list into the user store (curated profiles still win)."""
    from dateline.claims.outlets import import_outlets, save_user_outlets, user_store_path

    try:
        profiles = import_outlets(file)
        path = None if dry_run else save_user_outlets(profiles, store, replace=replace)
    except DatelineError as exc:
        _fail(exc)
        return
    summary = {"file": str(file), "imported": len(profiles),
               "state_affiliated": sum(p.state_affiliated for p in profiles),
               "store": str(path or store or user_store_path()), "written": path is not None}
    if as_json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        verb = "imported" if path is not None else "parsed (dry run, nothing written)"
        out.print(f"{verb} {summary['imported']} outlet profiles from {file} "
                  f"({summary['state_affiliated']} state-affiliated) -> {summary['store']}", highlight=False)


@outlets_app.command("show")
def show_cmd(
    name: Annotated[str, typer.Argument(help="Outlet name, alias, domain or URL (e.g. 'FRENCH PRESS TV', presstv.ir/fr).")],
    store: Annotated[Optional[Path], typer.Option("--store", help="User outlet store to merge (default: the cache dir one).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the profile as JSON.")] = False,
) -> None:
    """Show the profile an outlet name resolves to."""
    from dateline.claims.outlets import OutletListError, default_kb, load_outlets

    try:
        kb = load_outlets(store) if store is not None else default_kb()
        profile = kb.find(name)
        if profile is None:
            raise OutletListError(f"no outlet profile matches {name!r}")
    except DatelineError as exc:
        _fail(exc)
        return
    if as_json:
        print(json.dumps(profile.model_dump(mode="json"), ensure_ascii=False))
        return
    table = Table(title=f"{profile.name} ({profile.id})", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for field, value in profile.model_dump(exclude={"id", "name"}).items():
        if value in (None, [], ""):
            continue
        table.add_row(field, ", ".join(map(str, value)) if isinstance(value, list) else str(value))
    out.print(table)
