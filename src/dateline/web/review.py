"""Review actions as library functions: parse a reviewer's value, validate it, record it.

Routes (form and JSON) only authenticate and call :func:`apply_review`; the value a
human types is coerced to the field's type by the :class:`Event` model itself, so a
correction can never hold what the machine output could not.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from pydantic import ValidationError

from dateline.model import Event
from dateline.store.review import EDITABLE_FIELDS, REVIEW_ACTIONS
from dateline.store.sqlite import SQLiteStore
from dateline.taxonomy import EVENT_TYPES, SUB_TO_TYPE


def coerce_value(event: Event, field: str, raw: Any) -> Any:
    """``raw`` (a form string or JSON value) as the JSON value ``field`` holds; 422 when invalid.

    An empty string means "unknown" (null), as everywhere in dateline.
    """
    if field not in EDITABLE_FIELDS:
        raise HTTPException(422, f"field {field!r} cannot be edited; editable: {', '.join(EDITABLE_FIELDS)}")
    value = None if isinstance(raw, str) and not raw.strip() else raw.strip() if isinstance(raw, str) else raw
    if field == "event_type" and value not in EVENT_TYPES:
        raise HTTPException(422, f"unknown event_type {value!r}")
    if field == "sub_event_type" and value not in SUB_TO_TYPE:
        raise HTTPException(422, f"unknown sub_event_type {value!r}")
    try:
        checked = Event.model_validate(event.model_dump(exclude={"mentions"}) | {field: value})
    except ValidationError as exc:
        raise HTTPException(422, f"{field}: {exc.errors()[0]['msg']}") from None
    return checked.model_dump(mode="json")[field]


def apply_review(store: SQLiteStore, event_id: str, *, action: str, who: str, field: str | None = None,
                 value: Any = None) -> dict[str, Any]:
    """Record one accept / edit / reject on an event; returns the audit entry."""
    if action not in REVIEW_ACTIONS:
        raise HTTPException(422, f"action must be one of {', '.join(REVIEW_ACTIONS)}")
    event = store.get_event(event_id)
    if event is None:
        raise HTTPException(404, f"no event {event_id!r}")
    if action == "edit":
        if not field:
            raise HTTPException(422, "an edit needs a field")
        value = coerce_value(event, field, value)
    return store.record_review(event, action=action, who=who, field=field if action == "edit" else None,
                               value=value)


def reviewed_view(event: Event, state: dict[str, Any]) -> dict[str, Any]:
    """The event as the API shows it: contract fields with corrections applied, plus the machine values.

    The top-level fields are what an analyst should use; ``review.machine`` keeps what
    extraction said for every corrected field, so nothing is hidden.
    """
    data = event.to_contract()
    return data | state["corrected"] | {"review": state}
