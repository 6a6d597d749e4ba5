"""Who stands behind each outlet, for corroboration: owner group and partisanship.

Two outlets of one owner group (Press TV and French Press TV) are one independent source;
a state-affiliated or partisan outlet (outlet profiles, ``dateline.claims.outlets``)
counts for less in the confidence and cannot alone set the canonical fatality count.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from dateline.link.dedup import LinkInput


class OutletProfiles:
    """Owner group and partisanship of each outlet, looked up once per outlet name; an
    outlet without a profile is its own owner and counts as non-partisan (unknown, not
    accused)."""

    def __init__(self) -> None:
        from dateline.claims.outlets import default_kb

        self.kb = default_kb()
        self.owners: dict[str, str] = {}
        self.partisan: dict[str, bool] = {}

    def add(self, name: str | None) -> None:
        if not name or name in self.owners:
            return
        prof = self.kb.find(name)
        self.owners[name] = prof.owner_group if prof is not None and prof.owner_group else name
        self.partisan[name] = bool(prof is not None and (prof.state_affiliated or prof.typology == "partisan"))


def outlet_profiles(outlets: Iterable[str | None]) -> tuple[dict[str, str], dict[str, bool]]:
    """(outlet -> owner group, outlet -> partisan) for the outlets named."""
    profiles = OutletProfiles()
    for name in outlets:
        profiles.add(name)
    return profiles.owners, profiles.partisan


def iter_inputs(records: Iterable[dict]) -> Iterator[LinkInput]:
    """LinkInputs from CONTRACT event records, one at a time (a store's events are never
    all held as records), with owner groups from the outlet profiles."""
    profiles = OutletProfiles()
    for r in records:
        profiles.add(r.get("outlet"))
        yield LinkInput.from_record(r, profiles.owners, profiles.partisan)


def inputs_from_records(records: Iterable[dict]) -> list[LinkInput]:
    """LinkInputs from CONTRACT event records, with owner groups from the outlet profiles."""
    return list(iter_inputs(records))
