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


COUNTRIES = {"Zambia": "Zambia", "Nigerian": "Nigeria", "Afghan": "Afghanistan", "South Sudanese": "South Sudan", "Armenia": "Armenia",
             "Azerbaijan": "Azerbaijan", "Moroccan": "Morocco", "Iraqi": "Iraq"}


def _national(kb, text):
    return [(m.text, kb.acled_name(m.actor, date(2020, 5, 1), None)) for m in kb.find_national_forces(text, COUNTRIES.get)]


def test_state_forces_named_by_nationality(kb):
    assert _national(kb, "On 1 May 2020, Nigerian Armed Forces launched artillery bombardments") == [
        ("Nigerian Armed Forces", "Military Forces of Nigeria")]
    assert _national(kb, "On Tuesday South Sudanese police and Afghan troops") == [
        ("South Sudanese police", "Police Forces of South Sudan"), ("Afghan troops", "Military Forces of Afghanistan (2014-2021)")]
    # a KB entry with periods wins over the generic family; "pro-Iraqi" names no state force
    assert _national(kb, "the Moroccan police intervened") == [("Moroccan police", "Police Forces of Morocco")]
    assert _national(kb, "pro-Iraqi forces attacked") == []
    assert _national(kb, "elements of Zambia's Army were spotted") == [("Zambia's Army", "Military Forces of Zambia")]
    assert _national(kb, "Unknown forces attacked") == []


def test_state_forces_named_by_country(kb):
    assert _national(kb, "the positions of the military forces of Azerbaijan near Tartar") == [
        ("military forces of Azerbaijan", "Military Forces of Azerbaijan")]
    assert _national(kb, "military forces of Armenia and Azerbaijan exchanged fire")[0] == (
        "military forces of Armenia", "Military Forces of Armenia")


def test_national_forces_leave_kb_spans_alone(kb):
    text = "Afghan forces repelled the attack"
    taken = kb.find(text)
    assert taken  # "Afghan forces" is a KB alias of the Afghan military
    assert kb.find_national_forces(text, COUNTRIES.get, taken) == []


def test_acled_country_spelling(kb):
    assert kb.acled_name(kb.get("civilians"), date(2020, 5, 1), "Democratic Republic of the Congo") == \
        "Civilians (Democratic Republic of Congo)"
    assert kb.national_forces("Democratic Republic of the Congo").name == \
        "Military Forces of the Democratic Republic of Congo"
    assert kb.national_forces("Philippines", police=True).name == "Police Forces of the Philippines"
    # a country's police named without nationality is the event country's
    fed = kb.get("iraq_federal_police")
    assert kb.acled_name(fed, date(2020, 5, 1), "Brazil") == "Police Forces of Brazil"
    assert kb.acled_name(fed, date(2020, 5, 1), "Iraq").startswith("Police Forces of Iraq (2018-2020)")
    # a nation's police named with its nationality stays that nation's
    assert kb.acled_name(kb.national_forces("Afghanistan", police=True), None, "Greece") == "Police Forces of Afghanistan"


def test_new_regional_entries(kb):
    when = date(2020, 5, 1)
    for text, name in [("LNA forces shelled a field hospital", "Military Forces of Libya (2014-) Haftar Faction"),
                       ("GNA forces advanced", "Military Forces of Libya (2016-2021) Government of National Accord"),
                       ("anti-Houthi National Resistance forces fired", "National Resistance Forces"),
                       ("military forces of Artsakh located at Goyarkh fired", "Military Forces of Artsakh (2007-2020)"),
                       ("a shoot-out with the Military Police", "Military Forces of Brazil (2019-2022) Military Police"),
                       ("قوات حفتر", "Military Forces of Libya (2014-) Haftar Faction"),
                       ("les forces de Haftar", "Military Forces of Libya (2014-) Haftar Faction")]:
        names = [kb.acled_name(m.actor, when, None) for m in kb.find(text)]
        assert name in names, (text, names)


def test_ethnic_militias_carry_the_event_country(kb):
    when = date(2020, 5, 1)
    (m,) = [m for m in kb.find("suspected Fulani militias attacked Woroko") if m.actor.kind == "identity_militia"]
    assert kb.acled_name(m.actor, when, "Benin") == "Fulani Ethnic Militia (Benin)"
    (m,) = kb.find("des miliciens peuls ont attaqué")
    assert kb.acled_name(m.actor, when, "Mali") == "Fulani Ethnic Militia (Mali)"
    (m,) = kb.find("CODECO militiamen clashed with FARDC soldiers")[:1]
    assert kb.acled_name(m.actor, when, "Democratic Republic of the Congo") == "CODECO: Cooperative for Development of Congo"
    (m,) = kb.find("Imbonerakure attacked and injured 2 CNL members")
    assert kb.acled_name(m.actor, when, "Burundi") == \
        "CNDD-FDD-Imbonerakure: National Council for the Defence of Democracy (Burundi)"


def test_state_forces_named_by_country_in_french_and_arabic(gazetteer, kb):
    from dateline.extract.events import _with_national_forces

    def names(text):
        return [(m.text, kb.acled_name(m.actor, date(2020, 5, 1), None))
                for m in _with_national_forces(text, kb.find(text), gazetteer, kb)]

    assert names("les forces armées du Nigeria ont bombardé") == [
        ("les forces armées du Nigeria", "Military Forces of Nigeria")]
    assert names("la police de l'Arménie a dispersé la foule") == [
        ("la police de l'Arménie", "Police Forces of Armenia")]
    assert names("قوات نيجيريا قصفت مواقع") == [("قوات نيجيريا", "Military Forces of Nigeria")]
    assert names("الشرطة في أرمينيا") == [("الشرطة في أرمينيا", "Police Forces of Armenia")]
    # not a country: the country-neutral KB match stays
    assert [n for _, n in names("les soldats de Daech")] != ["Military Forces of Daech"]


def test_either_group_is_the_acled_pair():
    from dateline.model import Document
    from dateline.pipeline import process

    text = ("On 3 November 2020, suspected JNIM or ISGS militants attacked the villages of Konna and Ardiana "
            "(Kombori, Kossi) in Burkina Faso.")
    (e,) = process(Document(id="t", text=text, published=None, lang="en")).events
    assert e.actor1 == "JNIM: Group for Support of Islam and Muslims and/or Islamic State (Greater Sahara)"
    assert {ev.text for ev in e.evidence if ev.field == "actor1"} == {"JNIM", "ISGS militants"}
    assert [m.actor.id for m in default_kb().find("Boko Haram/ISWAP fighters")] == ["iswap_and_or_boko_haram"]


def test_a_service_known_to_act_abroad_keeps_its_nation():
    """Turkey's intelligence service (KB: inter_abroad) striking in Iraq stays Turkey's,
    while a police unit without a stated reach abroad is the event country's."""
    from datetime import date

    from dateline.resolve.actors import default_kb

    kb = default_kb()
    mit = kb.get("turkish_national_intelligence_organization")
    assert kb.acled_name(mit, date(2024, 8, 16), "Iraq").startswith("Police Forces of Turkey")


def test_alias_trie_finds_what_a_flat_alternation_finds():
    """The aliases are compiled as a trie (shared prefixes); on texts mixing overlapping
    aliases, spellings with and without apostrophes and case, it finds exactly what the
    flat longest-first alternation finds."""
    import re

    from dateline.resolve.actors import _UNACCENT, _alias_regex, default_kb

    kb = default_kb()
    aliases = sorted({a for e in kb.entries.values() for a in [e.name, *e.aliases.all()]
                      if not (len(a) <= 4 and a.replace(".", "").isupper())}, key=len, reverse=True)
    flat = re.compile(r"(?<![\w])(?=(?P<a>(?:" + "|".join(_alias_regex(a) for a in aliases) + r")(?![\w])))", re.I)
    texts = ["Les Kataeb Hezbollah et Kata'ib Hizbollah, puis As'hab al-Kahf et ASHAB AL KAHF ont revendiqué.",
             "the Military Police and the military police of the Popular Mobilization Forces (PMF) clashed",
             "Asa’ib Ahl al‑Haq, Harakat al-Nujaba and the Islamic Resistance in Iraq fired rockets"]
    for text in texts:
        plain = text.translate(_UNACCENT)
        expected = [(m.start(), m.start() + len(m.group("a"))) for m in flat.finditer(plain)]
        got = [(m.start(), m.start() + len(m.group("a"))) for m in kb._loose.finditer(plain)]
        assert got == expected and got
