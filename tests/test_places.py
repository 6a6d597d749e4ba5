"""Gazetteer and toponym resolution (resolve/gazetteer.py, resolve/places.py)."""

import pytest

from dateline.resolve.places import recognise, resolve


def _resolved(text, gaz):
    return {t.text: t.place for t in resolve(recognise(text, gaz), gaz)}


@pytest.mark.parametrize("surface,name,cc", [
    ("Bagdad", "Baghdad", "IQ"),
    ("Falloujah", "Fallujah", "IQ"),
    ("Bismayah", "Besmaya Base", "IQ"),
    ("Aïn al-Asad", "Ain al-Asad Air Base", "IQ"),
    ("الموصل", "Mosul", "IQ"),
    ("Irak", "Iraq", "IQ"),
    ("Syrie", "Syria", "SY"),
])
def test_lookup_variants(gazetteer, surface, name, cc):
    places = gazetteer.lookup_text(surface)
    assert any(p.name == name and p.country_code == cc for p in places), [p.name for p in places]


def test_al_prefix_and_province_phrases(gazetteer):
    got = _resolved("dans la province d'al-Anbar, à l'ouest du pays", gazetteer)
    assert any(p is not None and p.admin1 == "Anbar" for p in got.values())


def test_homonyms_resolve_to_the_story_country(gazetteer):
    got = _resolved("Des roquettes ont frappé Bagdad puis Falloujah et Ramadi, en Irak.", gazetteer)
    assert got["Bagdad"].country_code == "IQ"
    assert got["Bagdad"].feature_code in ("PPLC", "PPLA")


def test_function_words_and_weapon_names_are_not_places(gazetteer):
    got = _resolved("Son site a tiré des roquettes de type Grad. Les forces US ont riposté.", gazetteer)
    assert "Son" not in got and "US" not in got
    assert got.get("Grad") is None


def test_lowercase_curated_names(gazetteer):
    got = _resolved("une roquette a frappé la base Victory et la zone verte", gazetteer)
    assert got["base Victory"].name == "Victory Base Complex"
    assert got["zone verte"].name.startswith("Green Zone")


def test_offsets_are_exact(gazetteer):
    text = "Attaque à Diwaniya, chef-lieu de la province de Qadissiya."
    for t in resolve(recognise(text, gazetteer), gazetteer):
        assert text[t.start:t.end] == t.text
