"""Casualty counts (resolve/numbers.py)."""

import pytest

from dateline.resolve.numbers import find_counts

CASES = [
    ("avec un lourd bilan de 4 morts et 8 blessés.", "fr", {"fatalities": 4, "injuries": 8}),
    ("trois terroristes de Daech ont été tués dans un raid", "fr", {"fatalities": 3}),
    ("causant la mort d'un d'entre eux", "fr", {"fatalities": 1}),
    ("une dizaine de morts", "fr", {"fatalities": 10}),
    ("au moins 12 personnes ont été tuées", "fr", {"fatalities": 12}),
    ("un chauffeur irakien a été blessé", "fr", {"injuries": 1}),
    ("l'attaque n'a fait aucune victime", "fr", {"fatalities": 0}),
    ("At least 3 people were killed and 12 wounded", "en", {"fatalities": 3, "injuries": 12}),
    ("No casualties were reported", "en", {"fatalities": 0}),
    ("killing two soldiers", "en", {"fatalities": 2}),
    ("a dozen people were injured", "en", {"injuries": 12}),
    ("مقتل 5 أشخاص", "ar", {"fatalities": 5}),
]


@pytest.mark.parametrize("text,lang,expected", CASES)
def test_counts(text, lang, expected):
    got: dict[str, int] = {}
    for c in find_counts(text, lang):
        got[c.kind] = max(got.get(c.kind, 0), c.value)
        assert text[c.start:c.end] == c.text
    assert got == expected


def test_no_number_means_nothing():
    assert find_counts("Un convoi a été visé près de Samawa.", "fr") == []
