"""The ACLED event taxonomy (codebook 2019–2023): 3 disorder types, 6 event types, 25 sub-types.

Source: ACLED Codebook (2023), section "Event types and sub-event types",
https://acleddata.com/knowledge-base/codebook/ . Strings are exact: scorers compare them.
"""

from __future__ import annotations

EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": ("Armed clash", "Government regains territory", "Non-state actor overtakes territory"),
    "Explosions/Remote violence": (
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    ),
    "Violence against civilians": ("Sexual violence", "Attack", "Abduction/forced disappearance"),
    "Protests": ("Peaceful protest", "Protest with intervention", "Excessive force against protesters"),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": (
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ),
}

SUB_TO_TYPE: dict[str, str] = {sub: et for et, subs in EVENT_TYPES.items() for sub in subs}

DISORDER_OF_TYPE: dict[str, str] = {
    "Battles": "Political violence",
    "Explosions/Remote violence": "Political violence",
    "Violence against civilians": "Political violence",
    "Protests": "Demonstrations",
    "Riots": "Demonstrations",
    "Strategic developments": "Strategic developments",
}

#: Classes of CASE 2021 task 2 that are not ACLED events (``eval/case2021/labels.txt``).
NON_ACLED_CLASSES: tuple[str, ...] = (
    "Organized crime",
    "Natural disaster",
    "Man-made disaster",
    "Diplomatic event",
    "Attribution of responsibility",
)

ALL_CLASSES: tuple[str, ...] = tuple(SUB_TO_TYPE) + NON_ACLED_CLASSES

#: ACLED interaction code labels (2020-era numeric codes used by the eval exports).
INTER_CODES: dict[int, str] = {
    0: "None",
    1: "State forces",
    2: "Rebel groups",
    3: "Political militias",
    4: "Identity militias",
    5: "Rioters",
    6: "Protesters",
    7: "Civilians",
    8: "External/Other forces",
}


def event_type_of(sub_event_type: str) -> str:
    """The event type of an ACLED sub-event type (KeyError for unknown strings)."""
    return SUB_TO_TYPE[sub_event_type]


def disorder_type_of(event_type: str) -> str:
    return DISORDER_OF_TYPE[event_type]
