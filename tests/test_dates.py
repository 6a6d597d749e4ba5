"""Date expressions resolved against the publication date (resolve/dates.py)."""

from datetime import date

import pytest

from dateline.resolve.dates import find_dates

CASES = [
    # text, lang, anchor, expected value, precision
    ("ce samedi 25 juillet", "fr", date(2020, 7, 25), date(2020, 7, 25), 1),
    ("Jeudi dernier, un convoi", "fr", date(2020, 7, 25), date(2020, 7, 23), 1),
    ("jeudi dernier", "fr", date(2020, 7, 23), date(2020, 7, 16), 1),  # 'dernier' on a Thursday: a week ago
    ("vendredi, un drone", "fr", date(2020, 7, 25), date(2020, 7, 24), 1),
    ("mardi soir", "fr", date(2024, 5, 15), date(2024, 5, 14), 1),
    ("mardi matin", "fr", date(2022, 3, 2), date(2022, 3, 1), 1),
    ("le mardi 1er mars", "fr", date(2022, 3, 2), date(2022, 3, 1), 1),
    ("le 17 novembre 2020", "fr", date(2020, 11, 18), date(2020, 11, 17), 1),
    ("Jeudi 19 août", "fr", date(2021, 8, 21), date(2021, 8, 19), 1),
    ("le 3 janvier", "fr", date(2021, 1, 10), date(2021, 1, 3), 1),
    ("le 28 décembre", "fr", date(2021, 1, 10), date(2020, 12, 28), 1),  # year rolls back
    ("hier", "fr", date(2024, 5, 15), date(2024, 5, 14), 1),
    ("avant-hier", "fr", date(2024, 5, 15), date(2024, 5, 13), 1),
    ("il y a quelques jours", "fr", date(2020, 7, 25), date(2020, 7, 22), 2),
    ("en janvier 2020", "fr", date(2022, 3, 2), date(2020, 1, 15), 3),
    ("fin 2023", "fr", date(2024, 5, 10), date(2023, 11, 15), 3),
    ("late on Tuesday", "en", date(2024, 5, 15), date(2024, 5, 14), 1),
    ("on Thursday", "en", date(2024, 5, 17), date(2024, 5, 16), 1),
    ("last Friday", "en", date(2024, 5, 17), date(2024, 5, 10), 1),
    ("yesterday", "en", date(2024, 5, 17), date(2024, 5, 16), 1),
    ("May 14, 2024", "en", None, date(2024, 5, 14), 1),
    ("14 May 2024", "en", None, date(2024, 5, 14), 1),
    ("in late January", "en", date(2024, 5, 15), date(2024, 1, 15), 3),
    ("يوم الثلاثاء", "ar", date(2024, 5, 15), date(2024, 5, 14), 1),
    ("أمس", "ar", date(2024, 5, 15), date(2024, 5, 14), 1),
    ("14 مايو 2024", "ar", None, date(2024, 5, 14), 1),
]


@pytest.mark.parametrize("text,lang,anchor,expected,precision", CASES)
def test_date_expression(text, lang, anchor, expected, precision):
    found = [d for d in find_dates(text, lang, anchor) if d.value is not None]
    assert found, f"no date found in {text!r}"
    best = max(found, key=lambda d: d.end - d.start)
    assert best.value == expected
    assert best.precision == precision
    assert text[best.start:best.end] == best.text


def test_longest_expression_wins():
    found = find_dates("de la base ce samedi 25 juillet, une salve", "fr", date(2020, 7, 25))
    assert [d.text for d in found] == ["samedi 25 juillet"]


def test_weekday_without_anchor_is_unresolved():
    (d,) = find_dates("jeudi", "fr", None)
    assert d.value is None
