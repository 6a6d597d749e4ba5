"""Command line: thin Typer commands that parse options, call one library function and
render with Rich. Errors a user can fix print as one line (exit 1); ``--debug`` shows the
traceback. Exit codes follow CONTRACT.md: 0 success, 1 bad input, 2 usage error.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections import Counter
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dateline import __version__
from dateline.cli_common import STATE, err, fail
from dateline.errors import DatelineError, InputError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="dateline: conflict news in, ACLED-style events out.")
gazetteer_app = typer.Typer(help="Build or inspect the embedded gazetteer.", no_args_is_help=True)
app.add_typer(gazetteer_app, name="gazetteer")


def _register_subapps() -> None:
    from dateline.cli_gazetteer import register as register_gazetteer
    from dateline.cli_outlets import outlets_app

    app.add_typer(outlets_app, name="outlets")
    from dateline.cli_incidents import incidents_app

    app.add_typer(incidents_app, name="incidents")
    register_gazetteer(gazetteer_app)
log = logging.getLogger("dateline")

_STATE = STATE


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is now (repeated in-process runs, test runners)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def _version(value: bool) -> None:
    if value:
        print(f"dateline {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show info logs.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
) -> None:
    _STATE["debug"] = debug
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", handlers=[_StderrHandler()],
                        force=True)


_fail = fail


def _output(out: Path | None):
    """An atomic file for ``--out PATH``; standard output for no ``--out`` or ``--out -``."""
    from dateline.io import atomic_text

    if out is None or str(out) == "-":
        return nullcontext(sys.stdout)
    return atomic_text(out)


def _progress(total: int | None, quiet: bool):
    if quiet or not err.is_terminal:
        return nullcontext(None)
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=True)


def _read_documents(inputs: list[str], text_column: str, skip_bad: bool, errors_path: Path | None):
    """All documents, with bad inputs either fatal (before any output) or recorded."""
    from dateline.ingest import read_inputs

    bad: list[DatelineError] = []
    docs = list(read_inputs(inputs, text_column=text_column, skip_bad=skip_bad, on_error=bad.append))
    if errors_path is not None:
        from dateline.io import atomic_text

        with atomic_text(errors_path) as fh:
            for e in bad:
                fh.write(json.dumps(e.as_record(), ensure_ascii=False) + "\n")
    if bad:
        err.print(f"[yellow]skipped {len(bad)} bad input(s)[/]" + (f"; see {errors_path}" if errors_path else ""))
    return docs, bad


Inputs = Annotated[list[str], typer.Argument(help="Files, directories, WARC archives or - (stdin JSONL).")]
SkipBad = Annotated[bool, typer.Option("--skip-bad", help="Skip bad inputs instead of stopping.")]
ErrorsOpt = Annotated[Optional[Path], typer.Option("--errors", help="Write one JSON line per skipped input.")]
TextColumn_ = Annotated[str, typer.Option("--text-column", help="CSV column holding the text.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")]


def _scan_inputs(inputs: list[str], text_column: str, skip_bad: bool, errors_path: Path | None):
    """The validation pass of a streamed run (dateline.scale.stream): bad inputs are fatal
    here, before any output, or recorded in ``--errors``; no document is kept."""
    from dateline.io import atomic_text
    from dateline.scale.stream import scan_inputs

    scan = scan_inputs(inputs, text_column=text_column, skip_bad=skip_bad)
    if errors_path is not None:
        with atomic_text(errors_path) as fh:
            for e in scan.errors:
                fh.write(json.dumps(e.as_record(), ensure_ascii=False) + "\n")
    if scan.errors:
        err.print(f"[yellow]skipped {len(scan.errors)} bad input(s)[/]" + (f"; see {errors_path}" if errors_path else ""))
    return scan


@app.command()
def extract(
    inputs: Inputs,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Events as JSONL (CONTRACT.md).")] = None,
    db: Annotated[Optional[str], typer.Option("--db", help="Store: SQLite file or postgresql:// URL.")] = None,
    skip_bad: SkipBad = False,
    errors: ErrorsOpt = None,
    text_column: TextColumn_ = "text",
    resume: Annotated[bool, typer.Option("--resume", help="With --db: skip documents already stored.")] = False,
    no_link: Annotated[bool, typer.Option("--no-link", help="With --db: do not re-link incidents.")] = False,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1,
                                         help="Processes on this machine; each loads the models once.")] = 1,
    dask: Annotated[Optional[str], typer.Option("--dask", help="Run on Dask: local:N or tcp://host:8786.")] = None,
    quiet: Quiet = False,
) -> None:
    """Detect and code events in news documents (streamed: memory stays flat)."""
    if dask and workers > 1:
        err.print("[bold red]error:[/] --workers and --dask are alternatives; give one")
        raise typer.Exit(2)
    scan = None
    try:
        from dateline.scale import results_stream
        from dateline.scale.stream import iter_documents

        if dask:  # a malformed --dask value fails before inputs are read or a store is created
            from dateline.scale.dask_runner import parse_target

            parse_target(dask)
        scan = _scan_inputs(inputs, text_column, skip_bad, errors)
        if not scan.n_documents and not scan.errors:
            raise InputError("no documents found in the inputs", file=", ".join(inputs))
        store = None
        known: set[str] = set()
        if db:
            from dateline.store import open_store

            store = open_store(db)
            if resume:
                known = store.known_hashes()
        shown, n_events, n_docs, n_resumed = [], 0, 0, 0  # the summary shows 40 events; memory stays flat
        drops: Counter = Counter()
        out_cm = _output(out) if (out is not None or not db) else nullcontext(None)
        t0 = time.perf_counter()
        with out_cm as fh, _progress(scan.n_documents, quiet) as progress:
            task = progress.add_task("extracting", total=scan.n_documents) if progress else None

            def todo():
                nonlocal n_resumed
                for doc in iter_documents(scan):
                    if doc.content_hash in known:  # --resume: committed by an earlier run
                        n_resumed += 1
                        if progress:
                            progress.advance(task)
                        continue
                    yield doc

            pending = []
            with results_stream(todo(), workers=workers, dask=dask) as results:
                for res in results:
                    n_docs += 1
                    drops.update(res.drops)
                    n_events += len(res.events)
                    shown.extend(res.events[: max(0, 40 - len(shown))])
                    if fh is not None:
                        for ev in res.events:
                            fh.write(json.dumps(ev.to_contract(), ensure_ascii=False) + "\n")
                    if store is not None:
                        pending.append((res.document, res.events, res.input_hash))
                        if len(pending) >= 64:
                            store.write_batch(pending)
                            pending = []
                    if progress:
                        progress.advance(task)
            if store is not None and pending:
                store.write_batch(pending)
        elapsed = time.perf_counter() - t0
        if n_resumed:
            err.print(f"resume: {n_resumed} document(s) already in the store")
        if store is not None and not no_link:
            _link_store(store)
        if not quiet:
            _summary(shown, n_events, n_docs, elapsed, drops, out, db)
        if store is not None:
            store.close()
    except DatelineError as exc:
        _fail(exc)
    finally:
        if scan is not None:
            scan.cleanup()


def _link_store(store) -> int:
    """Link the store's new events into incidents (incrementally: only their neighbourhood
    is regrouped), honouring the analysts' must-link/cannot-link decisions."""
    from dateline.link.relink import relink_store

    return len(relink_store(store, keep=False, incremental=True)[0])


def _summary(events, n_events: int, n_docs: int, elapsed: float, drops: Counter, out: Path | None,
             db: str | None) -> None:
    table = Table(title=f"{n_events} event(s) from {n_docs} document(s) in {elapsed:.1f}s", box=box.SIMPLE_HEAD)
    widths = {"event": 12, "date": 10, "sub-event type": 22, "location": 22, "actor1": 20, "dead": 4, "asserted": 14}
    for col, width in widths.items():
        table.add_column(col, no_wrap=True, overflow="ellipsis", max_width=width,
                         min_width=width if col in ("event", "date") else None)
    for ev in events[:40]:
        table.add_row(ev.event_id, str(ev.event_date or ""), ev.sub_event_type,
                      f"{ev.location} ({ev.admin1 or ev.country})" if ev.location else "",
                      ev.actor1 or "", "" if ev.fatalities is None else str(ev.fatalities),
                      f"{ev.attribution.asserted_by}/{ev.attribution.epistemic}")
    err.print(table)
    if n_events > len(events):
        err.print(f"… and {n_events - len(events)} more")
    if drops:
        err.print("dropped mentions: " + ", ".join(f"{k} {v}" for k, v in sorted(drops.items())))
    where = [str(p) for p in (out, db) if p]
    if where:
        err.print("written: " + ", ".join(where))


@app.command()
def classify(
    inputs: Inputs,
    out: Annotated[Optional[Path], typer.Option("--out", "-o")] = None,
    skip_bad: SkipBad = False,
    errors: ErrorsOpt = None,
    text_column: TextColumn_ = "text",
    quiet: Quiet = False,
) -> None:
    """Label each document with its single most likely event class."""
    try:
        from dateline.extract.classify import classify_documents

        docs, _ = _read_documents(inputs, text_column, skip_bad, errors)
        records = classify_documents(docs)
        with _output(out) as fh:
            for rec in records:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        if not quiet and out:
            err.print(f"classified {len(docs)} document(s) → {out}")
    except DatelineError as exc:
        _fail(exc)


@app.command()
def geoparse(
    inputs: Inputs,
    out: Annotated[Optional[Path], typer.Option("--out", "-o")] = None,
    skip_bad: SkipBad = False,
    errors: ErrorsOpt = None,
    text_column: TextColumn_ = "text",
    quiet: Quiet = False,
) -> None:
    """List every place name in each document, resolved to coordinates."""
    try:
        from dateline.resolve.geoparse import geoparse_documents

        docs, _ = _read_documents(inputs, text_column, skip_bad, errors)
        n = 0
        with _output(out) as fh:
            for rec in geoparse_documents(docs):
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                n += len(rec["toponyms"])
        if not quiet and out:
            err.print(f"{n} toponym(s) in {len(docs)} document(s) → {out}")
    except DatelineError as exc:
        _fail(exc)


@app.command("export")
def export_cmd(
    db: Annotated[str, typer.Option("--db", help="Store to read: SQLite file or postgresql:// URL.")] = "dateline.db",
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, jsonl, geojson or parquet.")] = "csv",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output file (default events.FORMAT).")] = None,
    event_type: Annotated[Optional[str], typer.Option("--event-type")] = None,
    country: Annotated[Optional[str], typer.Option("--country")] = None,
    date_from: Annotated[Optional[str], typer.Option("--from", help="YYYY-MM-DD")] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="YYYY-MM-DD")] = None,
) -> None:
    """Export stored events (ACLED-column CSV, JSONL, GeoJSON or Parquet)."""
    from dateline.export.writers import FORMATS, export
    from dateline.store import is_url, open_store

    if fmt not in FORMATS:
        err.print(f"[bold red]error:[/] unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
    try:
        if not is_url(db) and not Path(db).exists():
            raise InputError("no such store; run `dateline extract … --db` first", file=db)
        out = out or Path(f"events.{fmt}")
        with open_store(db) as store:
            events = list(store.iter_events(where={"event_type": event_type, "country": country,
                                                   "date_from": date_from, "date_to": date_to}))
        n = export(events, out, fmt)
        err.print(f"exported {n} event(s) → {out}")
    except DatelineError as exc:
        _fail(exc)


@app.command("link")
def link_cmd(
    events: Annotated[Optional[Path], typer.Argument(help="Events JSONL from `dateline extract`.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o")] = None,
    db: Annotated[Optional[str], typer.Option("--db", help="Link the events of a store (and save incidents).")] = None,
) -> None:
    """Group reports of the same incident across documents and outlets."""
    from dateline.link.dedup import link
    from dateline.link.sources import inputs_from_records

    try:
        if events is None and db is None:
            err.print("[bold red]error:[/] give an events JSONL file or --db")
            raise typer.Exit(2)
        if events is not None:
            from dateline.evaluate.datasets import load_jsonl

            try:
                records = load_jsonl(events)
            except ValueError as exc:
                raise InputError(str(exc), file=str(events)) from exc
            missing = next((i for i, r in enumerate(records, 1) if "event_id" not in r), None)
            if missing:
                raise InputError("record has no event_id", file=str(events), line=missing)
            incidents, pairs = link(inputs_from_records(records))
        else:
            from dateline.link.relink import relink_store
            from dateline.store import open_store

            with open_store(db) as store:
                incidents, pairs = relink_store(store, keep=out is not None)
        if out is not None or db is None:
            with _output(out) as fh:
                for inc in incidents:
                    fh.write(json.dumps(inc, ensure_ascii=False) + "\n")
        multi = sum(1 for i in incidents if i["n_reports"] > 1)
        n_events = sum(i["n_reports"] for i in incidents)
        err.print(f"{n_events} event(s) → {len(incidents)} incident(s), {multi} reported more than once;"
                  f" {pairs} candidate pair(s) compared")
    except DatelineError as exc:
        _fail(exc)


@app.command()
def evaluate(
    sets: Annotated[Optional[list[str]], typer.Argument(help="Eval set names (default: all found).")] = None,
    shared: Annotated[Path, typer.Option("--shared", help="Folder with eval/ and gold/.")] = Path("../shared"),
    pred: Annotated[Optional[Path], typer.Option("--pred", help="Score this prediction file…")] = None,
    gold: Annotated[Optional[Path], typer.Option("--gold", help="…against this gold file.")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", help="Score only the first N documents of each set.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print metrics as JSON.")] = False,
    report: Annotated[Optional[Path], typer.Option("--report", help="Write full per-item results (JSON).")] = None,
) -> None:
    """Score dateline on the evaluation sets (or score a prediction file against gold)."""
    from dateline.evaluate.runner import evaluate_files, evaluate_sets

    try:
        if pred is not None or gold is not None:
            if pred is None or gold is None:
                err.print("[bold red]error:[/] --pred and --gold go together")
                raise typer.Exit(2)
            results = {pred.stem: evaluate_files(pred, gold)}
        else:
            results = evaluate_sets(shared, sets or None, limit=limit, progress=lambda m: err.print(m))
    except (DatelineError, ValueError) as exc:
        _fail(exc)
        return
    if report is not None:
        from dateline.io import atomic_text

        with atomic_text(report) as fh:
            json.dump({k: v.to_dict() for k, v in results.items()}, fh, ensure_ascii=False, indent=1, default=str)
    metrics = {k: v.metrics for k, v in results.items()}
    if as_json:
        print(json.dumps(metrics, indent=1))
        return
    for name, m in metrics.items():
        t = Table(title=name)
        t.add_column("metric")
        t.add_column("value", justify="right")
        for k, v in m.items():
            t.add_row(k, f"{v:.3f}" if isinstance(v, float) else str(v))
        Console().print(t)


@app.command()
def serve(
    db: Annotated[str, typer.Option("--db")] = "dateline.db",
    host: Annotated[str, typer.Option("--host", help="Interface to bind; keep 127.0.0.1 unless behind a proxy.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    review_token: Annotated[Optional[str], typer.Option("--review-token", envvar="DATELINE_REVIEW_TOKEN",
                                                        help="Token reviewers sign in with (default: generated and printed).")] = None,
    read_only: Annotated[bool, typer.Option("--read-only", help="Disable review; never write to the store.")] = False,
    tiles: Annotated[Optional[str], typer.Option("--tiles", help="https tile URL template for a base map "
                                                 "(the only network the pages use; none by default).")] = None,
    tiles_attribution: Annotated[str, typer.Option("--tiles-attribution", help="Credit line the tile provider requires.")] = "",
) -> None:
    """Serve the map, timeline, event pages, review and JSON API over a store."""
    try:
        from dateline.store import is_url

        if not is_url(db) and not Path(db).exists():
            raise InputError("no such store; run `dateline extract … --db` first", file=db)
        import uvicorn

        from dateline.web.app import allowed_hosts_for, create_app
        from dateline.web.security import generate_token

        token = None if read_only else (review_token or generate_token())
        application = create_app(db, review_token=token, read_only=read_only, allowed_hosts=allowed_hosts_for(host),
                                 tiles=tiles, tiles_attribution=tiles_attribution)
        url = f"http://{host}:{port}/"
        if token is None:
            print(f"dateline serving {db} read-only at {url}", file=sys.stderr)
        else:
            shown = token if review_token is None else "(as given)"
            print(f"dateline serving {db} at {url}\nreview token: {shown}", file=sys.stderr)
        uvicorn.run(application, host=host, port=port, log_level="warning")
    except DatelineError as exc:
        _fail(exc)


@app.command()
def bench(
    n: Annotated[int, typer.Option("--n", min=1, help="Number of generated documents.")] = 5000,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    markdown: Annotated[Optional[Path], typer.Option("--markdown", help="Add a row to this Markdown file's table.")] = None,
    write_docs: Annotated[bool, typer.Option("--write-docs", help="Add a row to docs/benchmarks.md.")] = False,
    dask_n: Annotated[int, typer.Option("--dask-n", min=1, help="Documents of the Dask 1-vs-2-worker run.")] = 1000,
    no_dask: Annotated[bool, typer.Option("--no-dask", help="Skip the Dask comparison.")] = False,
    no_cold_start: Annotated[bool, typer.Option("--no-cold-start", help="Skip the one-document cold start.")] = False,
    memory_n: Annotated[Optional[int], typer.Option(
        "--memory-n", min=1, help="Also measure peak RSS of extract --db on this many documents (e.g. 100000).")] = None,
    label: Annotated[Optional[str], typer.Option("--label", help="First cell of the Markdown row (default: today).")] = None,
) -> None:
    """Throughput against bare spaCy on generated documents, memory, Dask speed-up, cold start."""
    from dateline.bench import docs_benchmarks_path, run_bench, write_markdown

    result = run_bench(n, dask=not no_dask, dask_n=dask_n, cold_start=not no_cold_start, memory_n=memory_n)
    for target in [markdown, docs_benchmarks_path() if write_docs else None]:
        if target is not None:
            write_markdown(target, result, label)
    if as_json:
        print(json.dumps(result))
    else:
        t = Table(title=f"dateline bench (n={n})")
        t.add_column("metric")
        t.add_column("value", justify="right")
        for k, v in result.items():
            t.add_row(k, f"{v:.3f}" if isinstance(v, float) else str(v))
        Console().print(t)


@gazetteer_app.command("build")
def gazetteer_build() -> None:
    """Build (or rebuild) the cached gazetteer from the installed packages."""
    from dateline.resolve.gazetteer import Gazetteer, cache_dir

    t0 = time.perf_counter()
    g = Gazetteer.load(rebuild=True)
    err.print(f"gazetteer: {len(g.places)} places, {len(g.index)} names in {time.perf_counter() - t0:.1f}s → {cache_dir()}")


_register_subapps()


def run() -> None:
    """Console entry point: an unexpected error is one line too (``--debug`` for the traceback)."""
    try:
        app()
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence, reported, never silent
        if "--debug" in sys.argv:
            raise
        msg = f"{type(exc).__name__}: {exc}".replace("\n", " ")
        err.print(f"[bold red]internal error:[/] {msg} (run with --debug for the traceback)", highlight=False)
        raise SystemExit(1) from None


if __name__ == "__main__":  # pragma: no cover
    app()
