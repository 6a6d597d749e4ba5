"""Outlet profiles (claims/outlets.py, data/outlets.yaml) and ``dateline outlets``."""

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dateline.claims.outlets import (
    STATE_CONTROLLED,
    OutletKB,
    OutletListError,
    OutletProfile,
    curated_kb,
    import_outlets,
    load_curated,
    load_outlets,
    load_user,
    outlet_from_document,
    save_user_outlets,
)
from dateline.cli_outlets import outlets_app
from dateline.model import Document, Zone

FIXTURES = Path(__file__).parent / "fixtures" / "outlets"
SHARED = Path(__file__).resolve().parents[2] / "shared"
STATE_MEDIA_MATRIX = SHARED / "eval" / "state_media_matrix" / "state_media_matrix.csv"

runner = CliRunner()


# -- the curated table ---------------------------------------------------------------------------


def test_curated_table_is_complete_and_sourced():
    profiles = load_curated()
    assert len(profiles) >= 60
    assert len({p.id for p in profiles}) == len(profiles)
    for p in profiles:
        assert p.source.startswith(("https://", "http://")), p.id
        assert p.country and p.owner_group and p.languages, p.id
        assert p.origin == "curated"
        if p.typology in STATE_CONTROLLED:
            assert p.state_affiliated and p.state, p.id


@pytest.mark.parametrize("name", [
    "Press TV", "French Press TV", "Al Mayadeen", "Al-Manar", "Sabereen News", "Al-Alam", "Tasnim", "Fars News",
    "Mehr News Agency", "IRNA", "SANA", "INA", "Al-Sumaria", "Rudaw", "Kurdistan 24", "Shafaq News", "Al-Maalomah",
    "Baghdad Today", "Avia.pro", "RT", "Sputnik", "TASS", "Reuters", "AP", "AFP", "Xinhua", "Anadolu", "TRT World",
    "Al Jazeera", "Al Arabiya", "Asharq Al-Awsat", "The National", "BBC", "France 24", "Le Monde", "Le Figaro",
    "L'Orient-Le Jour", "Times of Israel", "Haaretz", "Jerusalem Post", "Middle East Eye", "Hawar News Agency",
    "North Press Agency", "Syrian Observatory for Human Rights", "Enab Baladi",
])
def test_outlets_named_in_the_issue_are_curated(name):
    p = curated_kb().find(name)
    assert p is not None and p.origin == "curated", name


def test_owner_groups_count_independence():
    kb = curated_kb()
    irib = {kb.find(n).owner_group for n in ("Press TV", "French Press TV", "Al-Alam", "Pars Today")}
    assert irib == {"Islamic Republic of Iran Broadcasting"}
    assert kb.find("Sabereen News").owner_group == kb.find("Al-Ahd TV").owner_group == "Iraqi armed factions (pro-Iran)"
    assert kb.find("Sabereen News").typology == "partisan" and not kb.find("Sabereen News").state_affiliated
    assert kb.find("Reuters").owner_group != kb.find("AP").owner_group


# -- lookups ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("query,outlet_id", [
    ("FRENCH PRESS TV", "french_press_tv"),
    ("presstv.ir/fr", "french_press_tv"),
    ("Press TV", "press_tv"),
    ("https://www.presstv.ir/Detail/2020/07/25/629400/Iraq", "press_tv"),
    ("http://french.presstv.ir/Detail/2021/03/13/x", "french_press_tv"),
    ("SOURCE: FRENCH PRESS TV", "french_press_tv"),
    ("la chaîne Telegram Sabereen News", "sabereen_news"),
    ("Sabreen news", "sabereen_news"),          # misspelt
    ("Al-Mayadin", "al_mayadeen"),              # transliteration alias
    ("سانا", "sana"),
    ("وكالة الأنباء العراقية", "ina"),
    ("Observatoire syrien des droits de l’homme", "sohr"),
    ("Fars", "fars"),                           # lookup_only: a whole name is fine
    ("bbc.com", "bbc"),
    ("https://www.bbc.com/arabic/middleeast-1", "bbc_arabic"),
])
def test_find(query, outlet_id):
    p = curated_kb().find(query)
    assert p is not None and p.id == outlet_id


@pytest.mark.parametrize("query", ["", "   ", "Al Arab", "unknown weekly", "Iraqi security sources", "example.org"])
def test_find_unknown_is_none(query):
    assert curated_kb().find(query) is None


def test_lookup_only_aliases_are_not_searched_in_text():
    kb = curated_kb()
    assert [m.profile.id for m in kb.mentions("قال المتحدث باللغة العربية إن الوضع هادئ")] == []
    found = kb.mentions("Selon Al Arabiya et la chaîne Telegram Sabereen News, deux drones ont été abattus.")
    assert [(m.text, m.profile.id) for m in found] == [("Al Arabiya", "al_arabiya"), ("Sabereen News", "sabereen_news")]


# -- outlet of a document ------------------------------------------------------------------------------


def _doc(**kw) -> Document:
    return Document(id="d", text=kw.pop("text", "Deux roquettes ont visé la base."), **kw)


def test_outlet_from_metadata_is_canonical():
    kb = curated_kb()
    assert outlet_from_document(_doc(outlet="FRENCH PRESS TV"), kb) == "French Press TV"
    assert outlet_from_document(_doc(outlet="  Radio Nowhere "), kb) == "Radio Nowhere"


def test_outlet_from_source_trailer_and_zone():
    kb = curated_kb()
    text = "TV\n\nTitre\n\nDeux roquettes ont visé la base.\n\nPartager Cet Article\nSOURCE: FRENCH PRESS TV"
    assert outlet_from_document(_doc(text=text), kb) == "French Press TV"
    start = text.index("SOURCE")
    zone = Zone(kind="source", start=start, end=len(text), text=text[start:])
    assert outlet_from_document(_doc(text=text, zones=[zone]), kb) == "French Press TV"
    assert outlet_from_document(_doc(text="Body.\nالمصدر: وكالة سانا"), kb) == "SANA"


def test_outlet_from_url():
    kb = curated_kb()
    assert outlet_from_document(_doc(url="https://www.presstv.ir/fr/Detail/2020/1"), kb) == "French Press TV"
    assert outlet_from_document(_doc(url="https://news.example.org/a/b"), kb) == "news.example.org"
    assert outlet_from_document(_doc(), kb) is None


def test_metadata_wins_over_trailer_and_url():
    doc = _doc(outlet="Rudaw", text="Texte.\nSOURCE: FRENCH PRESS TV", url="https://www.almayadeen.net/x",
               published=date(2024, 5, 1))
    assert outlet_from_document(doc, curated_kb()) == "Rudaw"


# -- importing published lists -------------------------------------------------------------------------


def test_import_generic_csv():
    profiles = {p.name: p for p in import_outlets(FIXTURES / "generic_list.csv")}
    assert set(profiles) == {"Example Daily", "Ministry Wire", "Press TV"}  # blank name skipped
    daily = profiles["Example Daily"]
    assert daily.aliases == ["ExDaily", "The Example", "example-daily.iq", "exdaily.net"]  # rows merged
    assert daily.languages == ["ar", "en"] and daily.typology == "independent" and not daily.state_affiliated
    assert daily.source == "https://example-daily.iq/about" and daily.origin == "user"
    wire = profiles["Ministry Wire"]
    assert wire.state_affiliated and wire.typology == "SC" and wire.url == "https://ministrywire.sy"
    assert wire.source == "generic_list.csv line 3"


def test_import_generic_json():
    profiles = {p.name: p for p in import_outlets(FIXTURES / "generic_list.json")}
    assert profiles["Tigris Monitor"].aliases == ["TM", "tigris-monitor.example"]
    assert profiles["Euphrates TV"].typology == "CaPu" and profiles["Euphrates TV"].state_affiliated
    assert profiles["Euphrates TV"].source == "generic_list.json line 4"


def test_import_state_media_matrix_shape():
    profiles = {p.name: p for p in import_outlets(FIXTURES / "smm_sample.csv")}
    sahar = profiles["Sahar TV"]  # "Television: " dropped, two rows merged
    assert sahar.aliases == ["sahartv.ir", "urdu.sahartv.ir"]
    assert sahar.owner == "Islamic Republic of Iran Broadcasting (IRIB)"
    assert sahar.owner_group == "Islamic Republic of Iran Broadcasting"  # the curated IRIB group
    assert sahar.typology == "SC" and sahar.state_affiliated and sahar.state == "Iran"
    eia = profiles["Example Iraqi Agency (EIA)"]
    assert {"EIA", "Example Iraqi Agency", "eia.example.iq"} <= set(eia.aliases)
    assert eia.owner == "Example Network" and eia.typology == "CaPu"
    voice = profiles["Voice of Examplestan"]
    assert voice.typology == "ISFM" and not voice.state_affiliated and "uncertain" in voice.notes
    assert profiles["Examplestan Weekly"].typology == "IP"  # unbalanced "(Print" cut
    assert "Currently Not Functional" in profiles["Examplestan Weekly"].notes


@pytest.mark.parametrize("name,line,words", [
    ("unmappable.csv", 2, "cannot map the columns"),
    ("broken.json", 3, "invalid JSON"),
    ("latin1.csv", 2, "not UTF-8"),
    ("missing.csv", None, "cannot read"),
])
def test_import_errors_name_file_and_line(name, line, words):
    with pytest.raises(OutletListError) as info:
        import_outlets(FIXTURES / name)
    err = info.value
    assert err.file.endswith(name) and err.line == line and words in err.message
    assert "\n" not in str(err) and str(err).startswith("[E012]")


# -- the user store ------------------------------------------------------------------------------------


def test_user_store_merges_and_curated_wins(tmp_path):
    store = tmp_path / "outlets" / "user_outlets.json"
    save_user_outlets(import_outlets(FIXTURES / "generic_list.csv"), store)
    save_user_outlets(import_outlets(FIXTURES / "generic_list.json"), store)
    assert {p.name for p in load_user(store)} == {"Example Daily", "Ministry Wire", "Press TV", "Tigris Monitor",
                                                  "Euphrates TV"}
    assert [f.name for f in store.parent.iterdir()] == ["user_outlets.json"]  # no temporary file left
    kb = load_outlets(store)
    press = kb.find("Press TV")
    assert press.origin == "curated" and press.typology == "SC"  # the imported "CaPr" row lost
    assert kb.find("presstv.example") is None                    # ... with all of its names
    assert kb.find("exdaily.net").name == "Example Daily" and kb.find("Tigris Monitor").origin == "user"
    assert load_outlets(store, include_user=False).find("Tigris Monitor") is None
    save_user_outlets(import_outlets(FIXTURES / "generic_list.json"), store, replace=True)
    assert {p.name for p in load_user(store)} == {"Tigris Monitor", "Euphrates TV"}


def test_bad_user_store_is_a_clear_error(tmp_path):
    store = tmp_path / "user_outlets.json"
    store.write_text('{"format": 1, "outlets": [{"id": "x"}]}', encoding="utf-8")
    with pytest.raises(OutletListError, match="entry 0"):
        load_user(store)
    store.write_text("[]", encoding="utf-8")
    with pytest.raises(OutletListError, match="not a dateline outlet store"):
        load_user(store)


def test_kb_keeps_the_first_profile_of_an_id():
    a = OutletProfile(id="x", name="Alpha", source="s")
    b = OutletProfile(id="x", name="Beta", source="s", origin="user")
    kb = OutletKB([a, b])
    assert len(kb) == 1 and kb.find("Beta") is None


# -- command line ----------------------------------------------------------------------------------------


def test_cli_import_and_show(tmp_path):
    store = tmp_path / "store.json"
    r = runner.invoke(outlets_app, ["import", str(FIXTURES / "generic_list.json"), "--store", str(store), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"file": str(FIXTURES / "generic_list.json"), "imported": 2, "state_affiliated": 1,
                                    "store": str(store), "written": True}
    r = runner.invoke(outlets_app, ["show", "tigris-monitor.example", "--store", str(store), "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["name"] == "Tigris Monitor"
    r = runner.invoke(outlets_app, ["show", "FRENCH PRESS TV"])
    assert r.exit_code == 0 and "Islamic Republic of Iran Broadcasting" in r.stdout


def test_cli_errors_are_one_line(tmp_path):
    r = runner.invoke(outlets_app, ["import", str(FIXTURES / "unmappable.csv"), "--store", str(tmp_path / "s.json")])
    assert r.exit_code == 1 and not (tmp_path / "s.json").exists()
    assert "unmappable.csv:2" in r.output and "Traceback" not in r.output
    r = runner.invoke(outlets_app, ["show", "No Such Outlet Weekly"])
    assert r.exit_code == 1 and "no outlet profile matches" in r.output


# -- the published State Media Matrix (../shared) --------------------------------------------------------


def test_import_state_media_matrix(tmp_path):
    if not STATE_MEDIA_MATRIX.exists():
        pytest.skip(f"evaluation data not available: {STATE_MEDIA_MATRIX}")
    profiles = import_outlets(STATE_MEDIA_MATRIX)
    assert len(profiles) >= 1000  # 1,157 rows; rows naming one outlet in one country merge
    assert all(p.typology in STATE_CONTROLLED | {"ISFM", "IP", "ISF", "ISM", None} for p in profiles)
    assert all(p.source.startswith("State Media Monitor matrix, state_media_matrix.csv line ") for p in profiles)
    store = tmp_path / "user_outlets.json"
    save_user_outlets(profiles, store)
    kb = load_outlets(store)
    assert kb.find("Press TV").origin == "curated"
    assert kb.find("Hiwad").country == "Afghanistan" and kb.find("Hiwad").state_affiliated
    assert kb.find("bakhtarnews.af").name == "Bakhtar News Agency"
