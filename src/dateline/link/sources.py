"""Who stands behind each outlet, for corroboration: owner group and partisanship.

Two outlets of one owner group (Press TV and French Press TV) are one independent source;
a state-affiliated or partisan outlet (outlet profiles, ``dateline.claims.outlets``)
counts for less in the confidence and cannot alone set the canonical fatality count.
"""

from __future__ import annotations

from collections.abc import Iterable

from dateline.link.dedup import LinkInput


def outlet_profiles(outlets: Iterable[str | None]) -> tuple[dict[str, str], dict[str, bool]]:
    """(outlet -> owner group, outlet -> partisan) for the outlets named; an outlet
    without a profile is its own owner and counts as non-partisan (unknown, not accused)."""
    from dateline.claims.outlets import default_kb

    kb = default_kb()
    owners: dict[str, str] = {}
    partisan: dict[str, bool] = {}
    for name in outlets:
        if not name or name in owners:
            continue
        prof = kb.find(name)
        owners[name] = prof.owner_group if prof is not None and prof.owner_group else name
        partisan[name] = bool(prof is not None and (prof.state_affiliated or prof.typology == "partisan"))
    return owners, partisan


def inputs_from_records(records: Iterable[dict]) -> list[LinkInput]:
    """LinkInputs from CONTRACT event records, with owner groups from the outlet profiles."""
    records = list(records)
    owners, partisan = outlet_profiles(r.get("outlet") for r in records)
    return [LinkInput.from_record(r, owners, partisan) for r in records]
