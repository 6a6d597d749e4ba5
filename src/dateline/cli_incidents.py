"""``dateline incidents``: list, show, merge, split, undo and log analyst decisions on
the incidents of a store. Thin: each command calls one store method and prints JSON."""

from __future__ import annotations

import getpass
import json
from typing import Annotated, Optional

import typer

from dateline.cli_common import err, fail
from dateline.errors import DatelineError

incidents_app = typer.Typer(help="Review incidents: merge, split, undo, log.", no_args_is_help=True)

Db = Annotated[str, typer.Option("--db", help="Store: SQLite file or postgresql:// URL.")]
Actor = Annotated[Optional[str], typer.Option("--actor", help="Who decides (default: the login name).")]
Reason = Annotated[str, typer.Option("--reason", help="Why (kept in the log).")]


def _actor(actor: str | None) -> str:
    return actor or getpass.getuser()


def _print(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=1, default=str))


@incidents_app.command("list")
def list_cmd(db: Db, min_reports: Annotated[int, typer.Option("--min-reports")] = 1,
             limit: Annotated[int, typer.Option("--limit")] = 50) -> None:
    """Incidents, newest first, one JSON object per line."""
    from dateline.store import open_store

    try:
        with open_store(db) as store:
            for inc in store.list_incidents(where={"min_reports": min_reports}, limit=limit):
                print(json.dumps(inc, ensure_ascii=False))
    except DatelineError as exc:
        fail(exc)


@incidents_app.command("show")
def show_cmd(incident_id: str, db: Db) -> None:
    """One incident: canonical row, reports, conflicts, corroboration."""
    from dateline.store import open_store

    try:
        with open_store(db) as store:
            inc = store.get_incident(incident_id)
        if inc is None:
            err.print(f"[bold red]error:[/] no incident {incident_id}")
            raise typer.Exit(1)
        _print(inc)
    except DatelineError as exc:
        fail(exc)


@incidents_app.command("merge")
def merge_cmd(incident_ids: Annotated[list[str], typer.Argument(help="Two or more incident ids.")], db: Db,
              actor: Actor = None, reason: Reason = "") -> None:
    """Merge incidents into one (kept across re-links as must-link decisions)."""
    from dateline.store import open_store

    try:
        with open_store(db) as store:
            print(store.merge_incidents(incident_ids, actor=_actor(actor), reason=reason))
    except DatelineError as exc:
        fail(exc)


@incidents_app.command("split")
def split_cmd(event_id: Annotated[str, typer.Argument(help="The event to move into its own incident.")], db: Db,
              actor: Actor = None, reason: Reason = "") -> None:
    """Move one event out of its incident (kept across re-links as cannot-link decisions)."""
    from dateline.store import open_store

    try:
        with open_store(db) as store:
            print(store.split_event(event_id, actor=_actor(actor), reason=reason))
    except DatelineError as exc:
        fail(exc)


@incidents_app.command("undo")
def undo_cmd(action_id: Annotated[int, typer.Argument(help="Action id from `dateline incidents log`.")], db: Db,
             actor: Actor = None) -> None:
    """Undo a merge or split: the membership before it comes back, its constraints go."""
    from dateline.store import open_store

    try:
        with open_store(db) as store:
            store.undo_link_action(action_id, actor=_actor(actor))
        err.print(f"undid action {action_id}")
    except DatelineError as exc:
        fail(exc)


@incidents_app.command("log")
def log_cmd(db: Db, incident_id: Annotated[Optional[str], typer.Argument()] = None) -> None:
    """The analyst log (who, when, what, before → after), one JSON object per line."""
    from dateline.store import open_store

    try:
        with open_store(db) as store:
            for action in store.link_actions(incident_id):
                print(json.dumps(action, ensure_ascii=False))
    except DatelineError as exc:
        fail(exc)
