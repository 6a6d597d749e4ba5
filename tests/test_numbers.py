"""Casualty counts (resolve/numbers.py)."""

import pytest

from dateline.resolve.numbers import find_counts

F, I = "fatalities", "injuries"

CASES = [
    # text, lang, expected {kind: value} (the largest count of each kind)
    # -- French -------------------------------------------------------------------------
    ("avec un lourd bilan de 4 morts et 8 blessés.", "fr", {F: 4, I: 8}),
    ("trois terroristes de Daech ont été tués dans un raid", "fr", {F: 3}),
    ("quatre soldats ont été tués", "fr", {F: 4}),
    ("causant la mort d'un d'entre eux", "fr", {F: 1}),
    ("une dizaine de morts", "fr", {F: 10}),
    ("au moins 12 personnes ont été tuées", "fr", {F: 12}),
    ("au moins trois civils ont été tués", "fr", {F: 3}),
    ("plusieurs combattants ont été tués", "fr", {F: 3}),
    ("un chauffeur irakien a été blessé", "fr", {I: 1}),
    ("blessant deux chauffeurs", "fr", {I: 2}),
    ("la frappe a tué 5 membres du PKK", "fr", {F: 5}),
    ("entre 5 et 7 morts selon les sources", "fr", {F: 5}),
    ("vingt-sept personnes ont été tuées", "fr", {F: 27}),
    ("un soldat et deux civils ont été tués", "fr", {F: 3}),
    ("l'attaque n'a fait aucune victime", "fr", {F: 0, I: 0}),
    ("aucun blessé n'est à déplorer", "fr", {I: 0}),
    ("Quatrième attaque en l'espace de 20 jours", "fr", {}),
    ("un F-16 a frappé trois véhicules à 10h30", "fr", {}),
    # -- English ------------------------------------------------------------------------
    ("At least 3 people were killed and 12 wounded", "en", {F: 3, I: 12}),
    ("two soldiers were killed", "en", {F: 2}),
    ("No casualties were reported", "en", {F: 0, I: 0}),
    ("killing two soldiers", "en", {F: 2}),
    ("a dozen people were injured", "en", {I: 12}),
    ("dozens of people were wounded", "en", {I: 12}),
    ("between 5 and 7 people were killed", "en", {F: 5}),
    ("8-10 residents were killed", "en", {F: 8}),
    ("unknown gunmen killed a doctor at Turutuko", "en", {F: 1}),
    ("FARDC soldiers killed a man and wounded another in Rubaya", "en", {F: 1, I: 1}),
    ("one French soldier and two suspected ISGS fighters were reportedly killed", "en", {F: 3}),
    ("at least 21 militants, including 2 commanders, were killed", "en", {F: 21}),
    ("The explosion killed one and injured 3 others.", "en", {F: 1, I: 3}),
    ("On 7 May 2020, Iraqi forces killed 2 IS suicide bombers", "en", {F: 2}),  # not "7 fatalities"
    ("fired 120mm and 7.62 mm rounds at 10:30, no one was hurt", "en", {F: 0, I: 0}),
    ("A rocket attack killed two soldiers", "en", {F: 2}),  # "A" is an article here
    ("a 48-year-old displaced person died", "en", {F: 1}),
    ("an unknown number of fighters were killed", "en", {}),
    ("Unknown fatalities coded as 10.", "en", {F: 10}),
    ("Fatalities coded as 0 (VoJ reported 1).", "en", {F: 0}),  # the aside does not override
    ("Three people (two soldiers and a civilian) were killed", "en", {F: 3}),
    ("the death toll rose to 14", "en", {F: 14}),
    ("3 Katyusha rockets hit the base in 2020", "en", {}),
    ("two F-16 jets struck", "en", {}),
    # -- Arabic -------------------------------------------------------------------------
    ("قتل ثلاثة", "ar", {F: 3}),
    ("مقتل 5 أشخاص", "ar", {F: 5}),
    ("إصابة 4", "ar", {I: 4}),
    ("مقتل ٣ جنود وإصابة ٧ آخرين", "ar", {F: 3, I: 7}),  # Arabic-Indic digits
    ("مقتل جنديين وإصابة ثلاثة آخرين", "ar", {F: 2, I: 3}),  # the dual counts two
    ("مقتل جندي عراقي", "ar", {F: 1}),
    ("سقوط 15 قتيلا و20 جريحا", "ar", {F: 15, I: 20}),
    ("ما لا يقل عن عشرة قتلى", "ar", {F: 10}),
    ("دون وقوع إصابات", "ar", {F: 0, I: 0}),
    ("استهدف صاروخان القاعدة في 14 أيار", "ar", {}),
    # -- singular victims, bodies found, tolls that are not tolls -------------------------
    ("The victim died in hospital.", "en", {F: 1}),
    ("Two men were shot. One man was injured and the other died.", "en", {F: 1, I: 1}),
    ("gunmen attacked a minibus on the road and killed the driver.", "en", {F: 1}),
    ("the soldier later died in the hospital.", "en", {F: 1}),
    ("an unidentified group fatally shot the leader of the movement", "en", {F: 1}),
    ("the body of an unidentified man was found in a forest area", "en", {F: 1}),
    ("the bodies of 2 civilians with gunshot wounds were found", "en", {F: 2}),
    ("a man's body was found in Al Bab city", "en", {F: 1}),
    ("a female body was found.", "en", {F: 1}),
    ("3 PKK militants were killed, injured or captured during the operation", "en", {}),
    ("The victim had been receiving death threats.", "en", {}),
    ("the driver fled and 3 people were killed", "en", {F: 3}),  # the driver is not among them
    ("the driver and 3 passengers were killed", "en", {F: 4}),
    ("la victime est décédée à l'hôpital", "fr", {F: 1}),
    ("des hommes armés ont attaqué le bus, tuant le chauffeur", "fr", {F: 1}),
    ("le corps d'un homme a été retrouvé près du village", "fr", {F: 1}),
    ("le berger a été mortellement blessé", "fr", {F: 1}),  # a fatality, not an injury
    ("un soldat a été mortellement touché", "fr", {F: 1}),
    ("a policeman was fatally wounded at the checkpoint", "en", {F: 1}),
    ("Militiamen kiled 8-10 residents across the villages", "en", {F: 8}),  # a coder's typo
    ("five militants and one soldier were killled", "en", {F: 6}),
    ("توفي السائق متأثرا بجروحه", "ar", {F: 1}),
    ("العثور على جثة رجل قرب القرية", "ar", {F: 1}),
    ("قتل الضحية بالرصاص", "ar", {F: 1}),
]


@pytest.mark.parametrize("text,lang,expected", CASES)
def test_counts(text, lang, expected):
    got: dict[str, int] = {}
    for c in find_counts(text, lang):
        got[c.kind] = max(got.get(c.kind, 0), c.value)
        assert text[c.start:c.end] == c.text
    assert got == expected


def test_table_size():
    assert len(CASES) >= 40
    assert {lang for _, lang, _ in CASES} == {"fr", "en", "ar"}


def test_no_number_means_nothing():
    assert find_counts("Un convoi a été visé près de Samawa.", "fr") == []


def test_range_keeps_raw_text():
    (c,) = find_counts("Selon l'ONU, entre 5 et 7 civils ont été tués.", "fr")
    assert (c.value, c.kind, c.text) == (5, "fatalities", "entre 5 et 7 civils ont été tués")


def test_offsets_within_a_window():
    text = "Titre. Mardi, 2 soldats ont été tués et 3 blessés."
    counts = find_counts(text, "fr", 7)
    assert [(c.value, c.kind, text[c.start:c.end]) for c in counts] == [
        (2, "fatalities", "2 soldats ont été tués"), (3, "injuries", "3 blessés")]
