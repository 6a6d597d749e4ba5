"""Actor knowledge base (data/actors.yaml, resolve/actors.py)."""

from datetime import date

from dateline.data import actors
from dateline.resolve.actors import default_kb


def test_kb_validates_and_is_large_enough():
    entries = actors()
    assert len(entries) >= 120
    ids = {e.id for e in entries}
    assert all(e.parent is None or e.parent in ids for e in entries)
    assert all(e.source for e in entries)


def test_aliases_across_languages(kb):
    text = "Les Compagnons de la grotte ont visé les troupes américaines ; داعش a revendiqué ; Kataëb Hezbollah"
    found = {m.actor.id for m in kb.find(text)}
    assert {"ashab_al_kahf", "military_forces_of_the_united_states", "islamic_state", "kataib_hezbollah"} <= found


def test_matches_keep_offsets(kb):
    text = "selon As'hab al-Kahf (Compagnons de la grotte)"
    for m in kb.find(text):
        assert text[m.start:m.end] == m.text


def test_acled_names_follow_periods_and_country(kb):
    us = kb.get("military_forces_of_the_united_states")
    assert kb.acled_name(us, date(2020, 7, 24), "Iraq") == "Military Forces of the United States (2017-2021)"
    assert kb.acled_name(us, date(2022, 3, 1), "Iraq") == "Military Forces of the United States (2021-2025)"
    assert kb.inter(us, "Iraq") == 8 and kb.inter(us, "United States") == 1
    ua = kb.get("unidentified_armed_group")
    assert kb.acled_name(ua, date(2022, 3, 1), "Iraq") == "Unidentified Armed Group (Iraq)"
    isis = kb.get("islamic_state")
    assert kb.acled_name(isis, date(2022, 3, 1), "Syria") == "Islamic State (Syria)"


def test_short_acronyms_are_case_sensitive(kb):
    assert not [m for m in kb.find("ei ei ei") if m.actor.id == "islamic_state"]


def test_spellings_that_fold_alike_each_match():
    # "As'hab" and "Ashab" fold to one key; both spellings must still be found
    kb = default_kb()
    for text in ("il s'agit d'As'hab al-Kahf", "le groupe Ashab al-Kahf"):
        assert [m.actor.id for m in kb.find(text)] == ["ashab_al_kahf"], text
