"""``dateline gazetteer import``: add a GeoNames dump to the embedded gazetteer.

``cli.py`` owns the ``gazetteer`` group (``build``); this module adds ``import`` to it:
``register(gazetteer_app)``. ``gazetteer_app`` below is the same command alone, for use
without the main app. The command parses options, calls
:func:`dateline.resolve.gazetteer.import_geonames`, and prints one line; user-fixable
errors (:class:`~dateline.errors.DatelineError`) print as one line with exit code 1.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from dateline.cli_common import fail
from dateline.errors import DatelineError, EncodingError, InputError

err = Console(stderr=True)


def _fail(exc: DatelineError) -> None:
    """One-line error, exit 1 (the parent app's --debug shows the traceback)."""
    fail(exc)


def import_cmd(
    dump: Annotated[Path, typer.Argument(help="GeoNames dump: allCountries.txt, a country file (IQ.txt) or its .zip.")],
    db: Annotated[Optional[Path], typer.Option("--db", help="SQLite file to write (default: <cache dir>/geonames.sqlite, "
                                                            "or $DATELINE_GEONAMES_DB).")] = None,
    feature_classes: Annotated[Optional[str], typer.Option(
        "--feature-classes", help="Keep only these GeoNames feature classes, e.g. 'PAS' (places, areas, sites).")] = None,
    min_population: Annotated[int, typer.Option(
        "--min-population", help="Drop populated places (class P) smaller than this.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import a GeoNames dump; later runs look names up there after the embedded gazetteer."""
    from dateline.resolve.gazetteer import geonames_db_path, import_geonames

    if not dump.exists():
        _fail(InputError("no such file", file=str(dump)))
    t0 = time.perf_counter()
    try:
        n = import_geonames(dump, db=db, feature_classes=feature_classes, min_population=min_population)
    except DatelineError as exc:
        _fail(exc)
        return
    except UnicodeDecodeError as exc:
        _fail(EncodingError(f"not UTF-8 text ({exc.reason})", file=str(dump)))
        return
    target = db or geonames_db_path()
    summary = {"file": str(dump), "places": n, "db": str(target), "seconds": round(time.perf_counter() - t0, 1)}
    if as_json:
        print(json.dumps(summary))
    else:
        err.print(f"gazetteer import: {n} places from {dump} → {target} in {summary['seconds']}s")


def register(app: typer.Typer) -> None:
    """Add ``import`` to an existing ``gazetteer`` command group."""
    app.command("import")(import_cmd)


gazetteer_app = typer.Typer(help="Extend the embedded gazetteer with a GeoNames dump.", no_args_is_help=True)
register(gazetteer_app)
