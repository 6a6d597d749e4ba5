"""Date expressions resolved against the publication date (resolve/dates.py)."""

from datetime import date

import pytest

from dateline.resolve.dates import find_dates

# Anchors used below, with their weekdays (Monday = 0):
WED_15_MAY_2024 = date(2024, 5, 15)  # Wednesday
FRI_17_MAY_2024 = date(2024, 5, 17)  # Friday
SAT_25_JUL_2020 = date(2020, 7, 25)  # Saturday
THU_23_JUL_2020 = date(2020, 7, 23)  # Thursday
WED_2_MAR_2022 = date(2022, 3, 2)  # Wednesday
THU_10_MAR_2022 = date(2022, 3, 10)  # Thursday
SUN_10_JAN_2021 = date(2021, 1, 10)  # Sunday
SAT_9_MAY_2020 = date(2020, 5, 9)  # Saturday
MON_20_MAY_2024 = date(2024, 5, 20)  # Monday

CASES = [
    # text, lang, anchor, expected value, precision
    # -- French: weekdays ---------------------------------------------------------------
    ("jeudi", "fr", FRI_17_MAY_2024, date(2024, 5, 16), 1),
    ("jeudi", "fr", date(2024, 5, 16), date(2024, 5, 16), 1),  # the anchor's own weekday: that day
    ("Jeudi dernier, un convoi", "fr", SAT_25_JUL_2020, date(2020, 7, 23), 1),
    ("jeudi dernier", "fr", THU_23_JUL_2020, date(2020, 7, 16), 1),  # 'dernier' on a Thursday: a week ago
    ("vendredi, un drone", "fr", SAT_25_JUL_2020, date(2020, 7, 24), 1),
    ("mardi soir", "fr", WED_15_MAY_2024, date(2024, 5, 14), 1),
    ("mardi matin", "fr", WED_2_MAR_2022, date(2022, 3, 1), 1),
    ("ce samedi", "fr", SAT_25_JUL_2020, date(2020, 7, 25), 1),
    ("dimanche passé", "fr", WED_15_MAY_2024, date(2024, 5, 12), 1),
    ("dans la nuit de jeudi à vendredi", "fr", FRI_17_MAY_2024, date(2024, 5, 16), 1),
    ("dans la nuit du samedi au dimanche", "fr", MON_20_MAY_2024, date(2024, 5, 18), 1),
    ("lundi en fin de journée", "fr", WED_15_MAY_2024, date(2024, 5, 13), 1),
    ("dimanche 12, un drone", "fr", WED_15_MAY_2024, date(2024, 5, 12), 1),  # weekday + day, no month
    # -- French: absolute ---------------------------------------------------------------
    ("ce samedi 25 juillet", "fr", SAT_25_JUL_2020, date(2020, 7, 25), 1),
    ("le mardi 1er mars", "fr", WED_2_MAR_2022, date(2022, 3, 1), 1),
    ("lundi 1er mars", "fr", THU_10_MAR_2022, date(2021, 3, 1), 1),  # 1 March 2022 is a Tuesday: 2021 agrees
    ("le 17 novembre", "fr", date(2020, 11, 18), date(2020, 11, 17), 1),
    ("le 17 novembre 2020", "fr", date(2020, 11, 18), date(2020, 11, 17), 1),
    ("Jeudi 19 août", "fr", date(2021, 8, 21), date(2021, 8, 19), 1),
    ("le 3 janvier", "fr", SUN_10_JAN_2021, date(2021, 1, 3), 1),
    ("le 28 décembre", "fr", SUN_10_JAN_2021, date(2020, 12, 28), 1),  # year rolls back
    ("le 1er mai", "fr", WED_15_MAY_2024, date(2024, 5, 1), 1),
    ("le 14/05/2024", "fr", None, date(2024, 5, 14), 1),
    # -- French: relative ---------------------------------------------------------------
    ("hier", "fr", WED_15_MAY_2024, date(2024, 5, 14), 1),
    ("hier soir", "fr", WED_15_MAY_2024, date(2024, 5, 14), 1),
    ("avant-hier", "fr", WED_15_MAY_2024, date(2024, 5, 13), 1),
    ("aujourd'hui", "fr", WED_15_MAY_2024, date(2024, 5, 15), 1),
    ("cette nuit", "fr", WED_15_MAY_2024, date(2024, 5, 14), 1),
    ("il y a deux jours", "fr", WED_15_MAY_2024, date(2024, 5, 13), 1),
    ("il y a quelques jours", "fr", SAT_25_JUL_2020, date(2020, 7, 22), 2),
    ("la semaine dernière", "fr", WED_15_MAY_2024, date(2024, 5, 11), 2),  # middle of the past seven days
    ("la semaine qui vient de s'achever", "fr", date(2021, 8, 21), date(2021, 8, 17), 2),
    ("cette semaine", "fr", FRI_17_MAY_2024, date(2024, 5, 15), 2),  # middle of Monday..Friday
    ("le mois dernier", "fr", WED_15_MAY_2024, date(2024, 4, 15), 3),
    ("plus tôt ce mois-ci", "fr", WED_15_MAY_2024, date(2024, 5, 8), 3),
    ("en janvier 2020", "fr", WED_2_MAR_2022, date(2020, 1, 15), 3),
    ("en janvier", "fr", WED_2_MAR_2022, date(2022, 1, 15), 3),
    ("fin 2023", "fr", date(2024, 5, 10), date(2023, 11, 15), 3),
    ("du 4 au 6 mai 2024", "fr", None, date(2024, 5, 5), 2),
    ("entre le 4 et le 6 mai", "fr", WED_15_MAY_2024, date(2024, 5, 5), 2),
    # -- English ------------------------------------------------------------------------
    ("late on Tuesday", "en", WED_15_MAY_2024, date(2024, 5, 14), 1),
    ("on Thursday", "en", FRI_17_MAY_2024, date(2024, 5, 16), 1),
    ("Tuesday night", "en", WED_15_MAY_2024, date(2024, 5, 14), 1),
    ("early Sunday", "en", WED_15_MAY_2024, date(2024, 5, 12), 1),
    ("last Friday", "en", FRI_17_MAY_2024, date(2024, 5, 10), 1),
    ("last Thursday", "en", SAT_25_JUL_2020, date(2020, 7, 23), 1),
    ("this Monday", "en", WED_15_MAY_2024, date(2024, 5, 13), 1),
    ("on the night of Thursday to Friday", "en", MON_20_MAY_2024, date(2024, 5, 16), 1),
    ("on the night of 14 May", "en", MON_20_MAY_2024, date(2024, 5, 14), 1),
    ("overnight", "en", WED_15_MAY_2024, date(2024, 5, 14), 1),
    ("yesterday", "en", FRI_17_MAY_2024, date(2024, 5, 16), 1),
    ("the day before yesterday", "en", FRI_17_MAY_2024, date(2024, 5, 15), 1),
    ("earlier today", "en", FRI_17_MAY_2024, date(2024, 5, 17), 1),
    ("two days ago", "en", FRI_17_MAY_2024, date(2024, 5, 15), 1),
    ("last week", "en", MON_20_MAY_2024, date(2024, 5, 16), 2),
    ("earlier this week", "en", FRI_17_MAY_2024, date(2024, 5, 15), 2),
    ("earlier this month", "en", WED_15_MAY_2024, date(2024, 5, 8), 3),
    ("earlier this month", "en", date(2020, 5, 3), date(2020, 5, 2), 3),  # never a date of last month
    ("last month", "en", WED_15_MAY_2024, date(2024, 4, 15), 3),
    ("May 14, 2024", "en", None, date(2024, 5, 14), 1),
    ("14 May 2024", "en", None, date(2024, 5, 14), 1),
    ("On 9 May 2020, medical interns protested", "en", None, date(2020, 5, 9), 1),
    ("Tuesday, May 14", "en", FRI_17_MAY_2024, date(2024, 5, 14), 1),
    ("the 14th of May", "en", FRI_17_MAY_2024, date(2024, 5, 14), 1),
    ("on 6 May", "en", SAT_9_MAY_2020, date(2020, 5, 6), 1),
    ("in late January", "en", WED_15_MAY_2024, date(2024, 1, 15), 3),
    ("in May 2020", "en", SAT_9_MAY_2020, date(2020, 5, 5), 3),  # the elapsed part of the month
    ("2024-05-14", "en", None, date(2024, 5, 14), 1),
    ("between 28 April - 30 April", "en", date(2020, 4, 29), date(2020, 4, 29), 2),
    ("between 30 April and 2 May", "en", date(2020, 5, 1), date(2020, 5, 1), 2),  # never after the anchor
    # -- Arabic -------------------------------------------------------------------------
    ("يوم الثلاثاء", "ar", WED_15_MAY_2024, date(2024, 5, 14), 1),
    ("مساء الأحد", "ar", WED_15_MAY_2024, date(2024, 5, 12), 1),
    ("صباح يوم الاثنين", "ar", WED_15_MAY_2024, date(2024, 5, 13), 1),
    ("الخميس الماضي", "ar", FRI_17_MAY_2024, date(2024, 5, 16), 1),
    ("الجمعة الماضية", "ar", FRI_17_MAY_2024, date(2024, 5, 10), 1),
    ("ليل الخميس الجمعة", "ar", MON_20_MAY_2024, date(2024, 5, 16), 1),
    ("فجر اليوم", "ar", WED_15_MAY_2024, date(2024, 5, 15), 1),
    ("أمس", "ar", WED_15_MAY_2024, date(2024, 5, 14), 1),
    ("بالأمس", "ar", WED_15_MAY_2024, date(2024, 5, 14), 1),
    ("أول أمس", "ar", WED_15_MAY_2024, date(2024, 5, 13), 1),
    ("قبل يومين", "ar", WED_15_MAY_2024, date(2024, 5, 13), 1),
    ("الأسبوع الماضي", "ar", MON_20_MAY_2024, date(2024, 5, 16), 2),
    ("الشهر الماضي", "ar", WED_15_MAY_2024, date(2024, 4, 15), 3),
    ("14 مايو 2024", "ar", None, date(2024, 5, 14), 1),
    ("١٤ أيار ٢٠٢٤", "ar", None, date(2024, 5, 14), 1),  # Arabic-Indic digits, Levantine month
    ("في ١٤ أيار", "ar", FRI_17_MAY_2024, date(2024, 5, 14), 1),
    ("الثلاثاء ١٤ أيار", "ar", date(2025, 1, 10), date(2024, 5, 14), 1),  # weekday picks the year
    ("3 كانون الثاني 2020", "ar", None, date(2020, 1, 3), 1),
    ("في 9 تشرين الأول", "ar", date(2019, 10, 20), date(2019, 10, 9), 1),
    ("14 أيار/مايو 2024", "ar", None, date(2024, 5, 14), 1),
    ("١٤/٠٥/٢٠٢٤", "ar", None, date(2024, 5, 14), 1),
    ("بين 3 و5 أيار", "ar", WED_15_MAY_2024, date(2024, 5, 4), 2),
]


@pytest.mark.parametrize("text,lang,anchor,expected,precision", CASES)
def test_date_expression(text, lang, anchor, expected, precision):
    found = [d for d in find_dates(text, lang, anchor) if d.value is not None]
    assert found, f"no date found in {text!r}"
    best = max(found, key=lambda d: d.end - d.start)
    assert best.value == expected
    assert best.precision == precision
    assert text[best.start:best.end] == best.text
    if anchor is not None:
        assert best.value <= anchor  # past-tense news: never after the anchor


def test_table_size():
    assert len(CASES) >= 60
    assert {lang for _, lang, *_ in CASES} == {"fr", "en", "ar"}


def test_longest_expression_wins():
    found = find_dates("de la base ce samedi 25 juillet, une salve", "fr", SAT_25_JUL_2020)
    assert [d.text for d in found] == ["samedi 25 juillet"]


def test_offsets_index_the_original_text_with_arabic_digits():
    text = "قصف في ١٤ أيار ٢٠٢٤ قاعدة"
    (d,) = find_dates(text, "ar", None)
    assert d.text == "١٤ أيار ٢٠٢٤" and text[d.start:d.end] == d.text and d.value == date(2024, 5, 14)


@pytest.mark.parametrize("text,lang,anchor", [
    ("le 17 novembre", "fr", date(2020, 11, 16)),  # a day after the anchor: not a year back
    ("mardi 17 novembre", "fr", date(2020, 11, 16)),
])
def test_near_future_day_is_unresolved(text, lang, anchor):
    late = [d for d in find_dates(text, lang, anchor) if d.value is None or d.value > anchor]
    assert late and all(d.value is None for d in late)


def test_day_of_month_without_ordinal_is_a_name():
    assert find_dates("in the 25 of March sector", "en", date(2020, 5, 7)) == []


def test_weekday_without_anchor_is_unresolved():
    (d,) = find_dates("jeudi", "fr", None)
    assert d.value is None


@pytest.mark.parametrize("text,lang", [
    ("jeudi prochain", "fr"), ("next Thursday", "en"), ("الخميس المقبل", "ar"),
])
def test_future_weekday_is_unresolved(text, lang):
    (d,) = find_dates(text, lang, WED_15_MAY_2024)
    assert d.value is None and d.kind == "weekday"


@pytest.mark.parametrize("text,lang", [
    ("١٤ شوال ١٤٤٥ هـ", "ar"),  # Hijri: not read, rather than read wrong
    ("Protesters gathered on Monday Avenue", "en"),  # a street, not a day
    ("Police may 3 times have fired", "en"),  # "may" the verb, not the month
])
def test_not_a_date(text, lang):
    assert [d for d in find_dates(text, lang, WED_15_MAY_2024) if d.value is not None] == []


def test_kinds():
    kinds = {d.text: d.kind for d in find_dates(
        "Le 17 novembre 2020, jeudi, hier, en janvier 2020 et fin 2019", "fr", date(2020, 11, 20))}
    assert kinds == {"17 novembre 2020": "absolute", "jeudi": "weekday", "hier": "relative",
                     "janvier 2020": "month", "fin 2019": "year"}
    (span,) = find_dates("du 4 au 6 mai 2024", "fr", None)
    assert span.kind == "range"
