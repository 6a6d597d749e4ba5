"""ACLED taxonomy constants and readers for the evaluation sets in ``shared/``.

The taxonomy comes from ``dateline.taxonomy`` (one list of exact ACLED strings for
every stage and the scorers). Readers are deliberately small: gold and predictions are
plain JSONL rows, and the shape of the first row tells which scorer applies.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

from dateline import taxonomy as _taxonomy
from dateline.errors import DatelineError

# The taxonomy has one home, dateline.taxonomy; re-exported here for the scorers.
EVENT_TYPES: Final[dict[str, list[str]]] = {k: list(v) for k, v in _taxonomy.EVENT_TYPES.items()}
SUB_TO_TYPE: Final[dict[str, str]] = dict(_taxonomy.SUB_TO_TYPE)
DISORDER_OF_TYPE: Final[dict[str, str]] = dict(_taxonomy.DISORDER_OF_TYPE)
NON_ACLED_CLASSES: Final[tuple[str, ...]] = _taxonomy.NON_ACLED_CLASSES

# Gold shapes, told apart by the keys of the first record (see MANIFEST.md).
TASKS: Final[tuple[str, ...]] = ("seeds", "classify", "geoparse", "acled", "arabic_gsr", "loaded")

# Fallback by file or folder name, used only when the gold file is empty.
_TASK_BY_NAME: Final[tuple[tuple[str, str], ...]] = (
    ("seeds", "seeds"),
    ("case2021", "classify"),
    ("geo_", "geoparse"),
    ("acled", "acled"),
    ("arabic_event_gsr", "arabic_gsr"),
    ("semeval", "loaded"),
)


class EvalDataError(DatelineError, ValueError):
    """A gold or prediction file that cannot be read; carries file and line.

    Also a ``ValueError`` so callers that do not know dateline's errors still catch it.
    """

    code = "E030"

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        self.path = Path(path)
        super().__init__(reason, file=str(self.path), line=line)


def event_type_of(label: str | None) -> str | None:
    """Event type of a sub-event label; event types and non-ACLED classes map to themselves."""
    if label is None:
        return None
    return SUB_TO_TYPE.get(label, label)


def load_jsonl(path: Path) -> list[dict]:
    """Read one JSON object per line; blank lines are skipped.

    Raises :class:`EvalDataError` (a ``ValueError``) naming the file and the
    1-based line for undecodable bytes, malformed JSON or a non-object line,
    so a bad prediction file is fixed in one look instead of a traceback.
    """
    path = Path(path)
    records: list[dict] = []
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise EvalDataError(path, line_no, f"not UTF-8 ({err.reason})") from err
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise EvalDataError(
                    path, line_no, f"malformed JSON ({err.msg}, column {err.colno})"
                ) from err
            if not isinstance(record, dict):
                raise EvalDataError(
                    path, line_no, f"expected a JSON object, got {type(record).__name__}"
                )
            records.append(record)
    return records


def _first_record(path: Path) -> dict | None:
    """First non-blank record without reading the whole file (ACLED train is 13 MB)."""
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as err:
                raise EvalDataError(path, line_no, f"malformed JSON ({err})") from err
            if not isinstance(record, dict):
                raise EvalDataError(path, line_no, "expected a JSON object")
            return record
    return None


def task_of_record(record: dict) -> str | None:
    """Scoring task implied by a gold record's keys, or ``None`` if no scorer fits."""
    keys = set(record)
    if {"gold_id", "doc", "tolerance_km"} <= keys:
        return "seeds"
    if "toponyms" in keys:
        return "geoparse"
    if "paragraph_techniques" in keys:
        return "loaded"
    if {"event_date", "sub_event_type", "latitude", "longitude"} <= keys:
        return "acled"
    if {"event_type", "label"} <= keys and record.get("event_type") in ("ASSAULT", "PROTEST"):
        return "arabic_gsr"
    if {"id", "label"} <= keys:
        return "classify"
    return None


def detect_task(gold_path: Path) -> str:
    """Which scorer a gold file needs: one of :data:`TASKS`.

    Decided by the keys of the first record, so a renamed or copied file still
    scores correctly; the file or folder name is consulted only when the file
    is empty. Raises :class:`EvalDataError` for shapes no scorer handles
    (for example ``semeval23_fr``).
    """
    gold_path = Path(gold_path)
    record = _first_record(gold_path)
    if record is not None:
        task = task_of_record(record)
        if task is None:
            raise EvalDataError(
                gold_path, None, f"no scorer for gold records with keys {sorted(record)}"
            )
        return task
    names = (gold_path.name.lower(), gold_path.parent.name.lower())
    for needle, task in _TASK_BY_NAME:
        if any(needle in name for name in names):
            return task
    raise EvalDataError(gold_path, None, "empty gold file and no task in its name")


def find_eval_sets(shared_root: Path) -> dict[str, tuple[Path, Path]]:
    """Map set name to ``(docs_path, gold_path)`` for every dev set under ``shared_root``.

    Picks up each ``eval/<name>/dev.docs.jsonl`` with its ``dev.gold.jsonl`` and the
    seed set as ``"seeds"`` (``seeds/docs.jsonl``, ``gold/seeds.jsonl``). Sets without
    a scorer are listed too; :func:`detect_task` says which apply.
    """
    shared_root = Path(shared_root)
    sets: dict[str, tuple[Path, Path]] = {}
    eval_dir = shared_root / "eval"
    if eval_dir.is_dir():
        for folder in sorted(p for p in eval_dir.iterdir() if p.is_dir()):
            docs, gold = folder / "dev.docs.jsonl", folder / "dev.gold.jsonl"
            if docs.is_file() and gold.is_file():
                sets[folder.name] = (docs, gold)
    seed_docs, seed_gold = shared_root / "seeds" / "docs.jsonl", shared_root / "gold" / "seeds.jsonl"
    if seed_docs.is_file() and seed_gold.is_file():
        sets["seeds"] = (seed_docs, seed_gold)
    return sets


def load_labels(path: Path) -> list[str]:
    """Class names from ``eval/case2021/labels.txt`` (first tab field, ``#`` lines skipped)."""
    labels: list[str] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            labels.append(line.split("\t", 1)[0].strip())
    return labels
