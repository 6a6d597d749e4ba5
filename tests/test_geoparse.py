"""``dateline geoparse`` (resolve/geoparse.py), the English recogniser and ranker
(resolve/places.py) and ``dateline gazetteer import`` (GeoNames dumps)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from dateline.errors import DataFileError
from dateline.model import Document
from dateline.resolve.gazetteer import Gazetteer, import_geonames
from dateline.resolve.geoparse import geoparse_documents, toponyms_of
from dateline.resolve.places import load_model


def _places(text, gazetteer, lang="en"):
    return {t.text: t.place for t in toponyms_of(text, [], gazetteer, None, lang)}


needs_model = pytest.mark.skipif(load_model() is None, reason="geo_model.json not installed")


# ----------------------------------------------------------------------------- contract


def test_record_shape_and_offsets(gazetteer, kb):
    text = "Protesters marched in Springfield, Illinois, and later in Chicago."
    (rec,) = geoparse_documents([Document(id="d1", text=text, lang="en")], gazetteer, kb)
    assert rec["doc_id"] == "d1"
    assert [t["text"] for t in rec["toponyms"]] == ["Springfield", "Illinois", "Chicago"]
    for t in rec["toponyms"]:
        assert text[t["start"]:t["end"]] == t["text"]
        assert {"latitude", "longitude", "geonameid", "country_code", "feature_code", "admin1"} <= set(t)
    spring = rec["toponyms"][0]
    assert spring["country_code"] == "US" and spring["admin1"] == "Illinois"
    assert 39.5 < spring["latitude"] < 40.0 and -90.0 < spring["longitude"] < -89.4


def test_french_and_arabic_documents_use_the_rule_path(gazetteer, kb):
    docs = [Document(id="fr", text="Des roquettes ont frappé Falloujah, à l'ouest de Bagdad.", lang="fr"),
            Document(id="ar", text="سقطت قذائف على الموصل", lang="ar")]
    fr, ar = geoparse_documents(docs, gazetteer, kb)
    assert {t["text"]: t["country_code"] for t in fr["toponyms"]} == {"Falloujah": "IQ", "Bagdad": "IQ"}
    assert [(t["text"], t["country_code"]) for t in ar["toponyms"]] == [("الموصل", "IQ")]


# ----------------------------------------------------------------------------- English recognition


@needs_model
def test_people_months_and_organisations_are_not_places(gazetteer):
    text = ("Mr. Henry said on March 3 that Judge Tom Lincoln would rule. "
            "Mark Jackson, 34, of Decatur, was charged.")
    got = _places(text, gazetteer)
    assert "Henry" not in got and "March" not in got and "Lincoln" not in got and "Mark" not in got
    assert "Decatur" in got and got["Decatur"].country_code == "US"


@needs_model
def test_abbreviations_demonyms_and_possessives(gazetteer):
    text = "HUNTINGTON, W.Va. -- U.S. officials met Russian envoys in Georgia's capital."
    got = _places(text, gazetteer)
    assert got["W.Va."].admin1 == "West Virginia"
    assert got["U.S."].country_code == "US" and got["U.S."].feature_code == "PCLI"
    assert got["Russian"].country_code == "RU"
    assert "Georgia" in got  # the span stops before the possessive


@needs_model
def test_county_and_street_spans_are_whole(gazetteer):
    spans = [t.text for t in toponyms_of("Deputies in Laurel County closed Main Street in London, Ky.", [],
                                         gazetteer, None, "en")]
    assert "Laurel County" in spans and "Laurel" not in spans
    assert "Main Street" in spans


# ----------------------------------------------------------------------------- English resolution


@needs_model
def test_state_context_picks_the_local_homonym(gazetteer):
    got = _places("The fire in Alexandria was investigated by the Rapides Parish sheriff. "
                  "Alexandria firefighters arrived in minutes.", gazetteer)
    assert got["Alexandria"].country_code == "US" and got["Alexandria"].admin1 == "Louisiana"
    got = _places("Paris, Texas, voted on Tuesday.", gazetteer)
    assert got["Paris"].country_code == "US" and got["Paris"].admin1 == "Texas"


@needs_model
def test_without_context_the_famous_place_wins(gazetteer):
    got = _places("Talks resumed in Paris and Moscow on Monday.", gazetteer)
    assert got["Paris"].country_code == "FR" and got["Moscow"].country_code == "RU"


@needs_model
def test_acronyms_and_countries_get_area_points(gazetteer):
    got = _places("The EU and China signed the deal.", gazetteer)
    assert got["EU"].name == "European Union"
    assert got["China"].feature_code == "PCLI" and abs(got["China"].latitude - 35) < 1


# ----------------------------------------------------------------------------- GeoNames import

DUMP = "\n".join("\t".join(str(x) for x in row) for row in [
    # geonameid name asciiname alternatenames lat lon fclass fcode cc cc2 a1 a2 a3 a4 pop elev dem tz date
    (99999001, "Tell Zlata", "Tell Zlata", "Tal Zlata,تل زلطة", 36.41, 40.87, "P", "PPL", "SY", "", "08", "", "", "",
     450, "", 310, "Asia/Damascus", "2020-01-01"),
    (99999002, "Wadi Ashaq", "Wadi Ashaq", "", 34.5, 41.9, "H", "WAD", "IQ", "", "01", "", "", "", 0, "", 200,
     "Asia/Baghdad", "2020-01-01"),
    (99072, "Mosul", "Mosul", "Al Mawsil", 36.335, 43.119, "P", "PPLA", "IQ", "", "15", "", "", "", 1739800, "",
     223, "Asia/Baghdad", "2020-01-01"),
]) + "\n"


def test_import_geonames_dump(tmp_path, gazetteer):
    dump = tmp_path / "SY.txt"
    dump.write_text(DUMP, encoding="utf-8")
    db = tmp_path / "geonames.sqlite"
    assert import_geonames(dump, db=db) == 3
    assert import_geonames(dump, db=db) == 3  # re-import replaces, never duplicates
    gaz = Gazetteer(gazetteer.places, gazetteer.index, gazetteer.country_names, demonyms=gazetteer.demonyms,
                    adm2_parent=gazetteer.adm2_parent, imported=db)
    (tell,) = gaz.lookup_text("Tal Zlata")
    assert tell.name == "Tell Zlata" and tell.country_code == "SY" and tell.geonameid == 99999001
    assert gaz.lookup_text("تل زلطة")[0].geonameid == 99999001
    assert "wadi ashaq" in gaz
    # Mosul is already embedded (same GeoNames id): not returned twice
    assert len(gaz.lookup_text("Mosul")) == len(gazetteer.lookup_text("Mosul"))
    near = gaz.near(36.4, 40.9, 10)
    assert [p.geonameid for p in near] == [99999001]


def test_import_only_some_feature_classes(tmp_path):
    dump = tmp_path / "IQ.txt"
    dump.write_text(DUMP, encoding="utf-8")
    assert import_geonames(dump, db=tmp_path / "g.sqlite", feature_classes="P") == 2
    assert import_geonames(dump, db=tmp_path / "h.sqlite", feature_classes="P", min_population=1000) == 1


def test_import_rejects_a_file_that_is_not_a_dump(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("name,lat,lon\nMosul,36.3,43.1\n", encoding="utf-8")
    with pytest.raises(DataFileError) as exc:
        import_geonames(bad, db=tmp_path / "g.sqlite")
    assert exc.value.line == 1


def test_gazetteer_import_command(tmp_path):
    from dateline.cli_gazetteer import gazetteer_app

    dump = tmp_path / "SY.txt"
    dump.write_text(DUMP, encoding="utf-8")
    res = CliRunner().invoke(gazetteer_app, [str(dump), "--db", str(tmp_path / "g.sqlite"), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout.strip().splitlines()[-1])["places"] == 3
    res = CliRunner().invoke(gazetteer_app, [str(tmp_path / "missing.txt"), "--db", str(tmp_path / "g.sqlite")])
    assert res.exit_code == 1
