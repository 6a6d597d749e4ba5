"""Geoparsing context beyond one document: outlet profiles (a local paper writes about its
own state), and offset phrases ("40 km north of X", "à 15 km de X", "près de X") that
make a place a reference point (geo_precision 2, offset recorded)."""

from __future__ import annotations

import pytest

from dateline.model import Document
from dateline.resolve.geoparse import geoparse_documents, toponyms_of
from dateline.resolve.places import OutletProfiles, Toponym, find_offset, load_model

needs_model = pytest.mark.skipif(load_model() is None, reason="geo_model.json not installed")


# ----------------------------------------------------------------------------- offsets


@pytest.mark.parametrize("text, name, relation, km, bearing", [
    ("Gunmen attacked a checkpoint 40 km north of Mosul on Monday.", "Mosul", "distance", 40.0, "N"),
    ("a village some 25 kilometres (15 miles) south-east of the town of Baiji", "Baiji", "distance", 25.0, "SE"),
    ("The crash happened 10 miles from Springfield.", "Springfield", "distance", 16.1, None),
    ("5km west of Hit", "Hit", "distance", 5.0, "W"),
    ("fighting north of Baghdad", "Baghdad", "direction", None, "N"),
    ("Clashes near Balad left two dead.", "Balad", "near", None, None),
    ("on the outskirts of Aleppo", "Aleppo", "near", None, None),
])
def test_english_offsets(text, name, relation, km, bearing):
    off = find_offset(text, text.index(name))
    assert off is not None and off.relation == relation and off.bearing == bearing
    assert (off.distance_km is None) if km is None else off.distance_km == pytest.approx(km, abs=0.1)


@pytest.mark.parametrize("text, name, relation, km, bearing", [
    ("Une roquette est tombée à 40 km au nord de Bagdad.", "Bagdad", "distance", 40.0, "N"),
    ("à 15 km de Falloujah", "Falloujah", "distance", 15.0, None),
    ("à 30 kilomètres d'Erbil", "Erbil", "distance", 30.0, None),
    ("des tirs au sud-ouest de Kirkouk", "Kirkouk", "direction", None, "SW"),
    ("à l'est de Ramadi", "Ramadi", "direction", None, "E"),
    ("une attaque près de la ville de Tikrit", "Tikrit", "near", None, None),
    ("aux abords d'Alep", "Alep", "near", None, None),
    # Arabic
    ("هجوم على بعد 40 كم شمال بغداد", "بغداد", "distance", 40.0, "N"),
    ("على بعد ١٥ كيلومترا من مدينة الموصل", "الموصل", "distance", 15.0, None),
    ("انفجار قرب تكريت", "تكريت", "near", None, None),
])
def test_french_and_arabic_offsets(text, name, relation, km, bearing):
    off = find_offset(text, text.index(name))
    assert off is not None and off.relation == relation and off.bearing == bearing
    assert (off.distance_km is None) if km is None else off.distance_km == pytest.approx(km)


@pytest.mark.parametrize("text, name", [
    ("Protesters marched in Mosul.", "Mosul"),
    ("Des manifestants à Bagdad.", "Bagdad"),
    ("He was born 40 years ago in Erbil.", "Erbil"),
    ("the north of Iraq", "Iraq"),  # "the north of" a country: a region, and precision 3 anyway
])
def test_no_offset_without_a_phrase(text, name):
    off = find_offset(text, text.index(name))
    assert off is None or name == "Iraq"


def test_geoparse_records_carry_precision_and_offset(gazetteer, kb):
    docs = [Document(id="en", text="A roadside bomb exploded 40 km north of Baghdad, and later in Basra.", lang="en"),
            Document(id="fr", text="Une roquette est tombée à 15 km de Falloujah, selon la police de Ramadi.", lang="fr")]
    en, fr = geoparse_documents(docs, gazetteer, kb)
    by = {t["text"]: t for t in en["toponyms"]}
    assert by["Baghdad"]["geo_precision"] == 2
    assert by["Baghdad"]["offset"] == {"relation": "distance", "distance_km": 40.0, "bearing": "N", "bearing_deg": 0.0}
    assert 33.0 < by["Baghdad"]["latitude"] < 33.6  # the named place's point, as ACLED records it
    assert by["Basra"]["geo_precision"] == 1 and "offset" not in by["Basra"]
    by = {t["text"]: t for t in fr["toponyms"]}
    assert by["Falloujah"]["geo_precision"] == 2 and by["Falloujah"]["offset"]["distance_km"] == 15.0
    assert "offset" not in by["Ramadi"]


def test_country_keeps_precision_3_with_a_direction(gazetteer):
    (t,) = [t for t in toponyms_of("Fighting in the south of Syria.", [], gazetteer, None, "en") if t.text == "Syria"]
    assert t.geo_precision == 3


# ----------------------------------------------------------------------------- outlet profiles


def _top(text, place):
    return Toponym(0, len(text), text, place, 0.9, 1)


def test_outlet_profile_leaves_out_the_document_and_the_name(gazetteer):
    ohio = gazetteer.lookup("columbus")
    columbus = max((p for p in ohio if p.admin1 == "Ohio"), key=lambda p: p.population)
    dublin_ie = max(gazetteer.lookup("dublin"), key=lambda p: p.population)
    prof = OutletProfiles()
    prof.add("a", "www.thisweeknews.com", [_top("Columbus", columbus), _top("Dublin", dublin_ie)])
    assert prof.profile("a", "thisweeknews.com") is None  # a document is not its own evidence
    prof.add("b", "thisweeknews.com", [_top("Columbus", columbus)])
    assert prof.profile("a", "thisweeknews.com").n_docs == 1
    prof.add("c", "thisweeknews.com", [_top("Dublin", dublin_ie)])
    assert prof.profile("a", "thisweeknews.com").n_docs == 2
    p = prof.profile("d", "thisweeknews.com")
    a1, cc, top = p.shares("dublin")  # Dublin's own votes are left out: only Columbus speaks
    assert a1.get(("US", "Ohio")) == pytest.approx(top) == pytest.approx(1.0)
    assert cc.get("IE", 0.0) == pytest.approx(0.0)
    a1, cc, _ = p.shares("columbus")
    assert cc.get("IE") > 0.5 and a1.get(("US", "Ohio"), 0.0) == pytest.approx(0.0)
    assert prof.profile("d", "other.com") is None and prof.profile("d", None) is None


@needs_model
def test_a_local_papers_other_stories_pick_the_homonym(gazetteer, kb):
    outlet = "springfieldnewssun.com"
    local = ["Clark County commissioners met in Springfield, Ohio, on Tuesday.",
             "Dayton and Urbana schools closed as snow hit Ohio.",
             "A fire in Springfield, Ohio destroyed a barn near Enon."]
    docs = [Document(id=f"l{i}", text=t, lang="en", outlet=outlet) for i, t in enumerate(local)]
    docs.append(Document(id="x", text="Police in Springfield arrested two men.", lang="en", outlet=outlet))
    recs = list(geoparse_documents(docs, gazetteer, kb))
    (spring,) = [t for t in recs[-1]["toponyms"] if t["text"] == "Springfield"]
    assert spring["admin1"] == "Ohio"
    alone = list(geoparse_documents(docs[-1:], gazetteer, kb))
    (spring,) = [t for t in alone[0]["toponyms"] if t["text"] == "Springfield"]
    assert spring["admin1"] != "Ohio"  # without the outlet's other stories: the largest Springfield


def test_arabic_common_nouns_of_conflict_reports_are_not_places(tmp_path):
    """"الغاز" (gas) is Gas, Kansas and "الأمن" (security) Emmen in the gazetteer's Arabic
    names; once such words made "نابلس" read as Naples, US (the text's other "places"
    were American). Function words ("بين") and weekdays with "و" are not places either."""
    import json

    from typer.testing import CliRunner

    from dateline.cli import app

    text = ("أصيب 12 فلسطينيا يوم الجمعة بعدما أطلقت قوات الاحتلال قنابل الغاز والرصاص المطاطي على متظاهرين "
            "ضد الاستيطان في نابلس. وقالت مصادر إن الأمن والسلطات أغلقت المعبر بين البلدتين والأربعاء.")
    src = tmp_path / "ar.jsonl"
    src.write_text(json.dumps({"id": "a", "text": text, "lang": "ar"}, ensure_ascii=False) + "\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["geoparse", str(src)])
    assert r.exit_code == 0, r.output
    toponyms = [json.loads(line) for line in r.stdout.splitlines() if line.strip()][0]["toponyms"]
    assert [(t["text"], t["country_code"]) for t in toponyms] == [("نابلس", "PS")]
