"""Trigger lexicon and mention detection (extract/triggers.py)."""

from collections import Counter

import pytest

from dateline.extract import triggers
from dateline.extract.triggers import GENERIC, find_mentions, lexicon


@pytest.fixture(autouse=True)
def _lexicon_only(monkeypatch, request):
    """These tests are about the cues: short texts keep the lexicon's types (the
    document classifier's say on them is tested in test_model_types_short_texts)."""
    if "model_types" not in request.node.name:
        monkeypatch.setattr(triggers, "DOCUMENT_MODEL", False)


def _mentions(text, lang="fr"):
    drops = Counter()
    return find_mentions(text, [(0, len(text))], lang, drops), drops


@pytest.mark.parametrize("text,lang,sub", [
    ("Une salve de quatre roquettes s'est abattue sur la base.", "fr", "Shelling/artillery/missile attack"),
    ("Un engin explosif a sauté au passage d'un véhicule.", "fr", "Remote explosive/landmine/IED"),
    ("Un drone de l'armée américaine a été abattu dans la région.", "fr", "Disrupted weapons use"),
    ("Des F-16 ont frappé des refuges de terroristes.", "fr", "Air/drone strike"),
    ("Des heurts violents ont opposé les combattants.", "fr", "Armed clash"),
    ("La police a dispersé les manifestants avec des gaz lacrymogènes.", "fr", "Protest with intervention"),
    ("Les forces ont arrêté trois suspects.", "fr", "Arrests"),
    ("Several rockets were fired at the base.", "en", "Shelling/artillery/missile attack"),
    ("A roadside bomb hit a convoy.", "en", "Remote explosive/landmine/IED"),
    ("Police arrested three men in Fallujah.", "en", "Arrests"),
    ("Hundreds of protesters rallied outside the ministry.", "en", "Peaceful protest"),
    ("سقطت صواريخ على القاعدة", "ar", "Shelling/artillery/missile attack"),
    ("انفجرت عبوة ناسفة على الطريق", "ar", "Remote explosive/landmine/IED"),
])
def test_types(text, lang, sub):
    ms, _ = _mentions(text, lang)
    assert ms and ms[0].sub_event_type == sub


def test_hypothetical_and_habitual_sentences_are_blocked():
    for text in ("La Résistance pourrait passer rapidement de roquette à des missiles tirés sur la base.",
                 "Depuis janvier 2021 pas moins de 122 attaques anti convoi ont visé les routes."):
        ms, drops = _mentions(text)
        assert not ms and sum(drops.values()) == 1


def test_blockers_are_clause_scoped():
    text = ("Une première attaque a visé à coup de drone un véhicule à Sinjar, cette localité que la "
            "Turquie atlantiste convoite depuis des années et qu'elle voudrait bien occuper un jour.")
    ms, _ = _mentions(text)
    assert ms and ms[0].sub_event_type == "Air/drone strike"


def test_negated_cue_is_void():
    ms, _ = _mentions("Aucun des sept missiles tirés n'a été intercepté.")
    assert all(m.sub_event_type != "Disrupted weapons use" for m in ms)


def test_hyphenated_words_are_not_cues():
    ms, _ = _mentions("La police anti-émeute est arrivée.")
    assert not any(m.sub_event_type == "Violent demonstration" for m in ms)


def test_anaphora_and_distinct_flags():
    (m,), _ = _mentions("L'attaque a été revendiquée par le groupe.")
    assert m.anaphoric and m.sub_event_type == GENERIC
    (m,), _ = _mentions("Une autre attaque a visé un convoi à Diwaniya.")
    assert m.distinct


def test_every_language_lexicon_loads():
    for lang in ("fr", "en", "ar"):
        assert lexicon(lang) is not None and len(lexicon(lang).cues) >= 15


def test_english_clash_and_killing_cues():
    from dateline.extract.triggers import find_mentions

    def subs(text):
        return [m.sub_event_type for m in find_mentions(text, [(0, len(text))], "en")]

    assert subs("It was reported that a shoot-out took place in Grama neighborhood.") == ["Armed clash"]
    assert subs("The OSCE SMM observed a total of 10 shots involving small arms near Viktorivka.") == ["Armed clash"]
    assert subs("Pro-Hadi forces thwarted a pro-Houthi incursion in Al Wahabiyah.") == ["Armed clash"]
    assert subs("8 Taliban militants were killed following an operation.") == ["GENERIC_ATTACK"]
    # "possible" blocks a possible attack, not a protest against a possible arrest
    assert subs("People protested against the possible arrest of an activist.")[0] == "Peaceful protest"
    assert subs("Officials warned of a possible attack on the base.") == []


def test_english_cues_for_shelling_beatings_blockades_and_riots():
    from dateline.extract.triggers import find_mentions

    def subs(text):
        return [m.sub_event_type for m in find_mentions(text, [(0, len(text))], "en")]

    assert subs("LNA forces shelled a field hospital in Tripoli.") == ["Shelling/artillery/missile attack"]
    assert subs("The police forces beat a young man to death in Abidjan.") == ["Attack"]
    assert subs("A group of people blocked the roads to demand water.") == ["Peaceful protest"]
    assert subs("Police blocked the road to the camp.") == []
    assert subs("Labourers pelted stones on police personnel.") == ["Violent demonstration"]
    assert subs("Residents burned tires to demand food.") == ["Violent demonstration"]
    assert subs("Workers of the farm were taken as hostages by a group.") == ["Abduction/forced disappearance"]
    assert subs("An unidentified group fired shots at a former MLA.") == ["GENERIC_ATTACK"]


@pytest.mark.skipif(not __import__("dateline.extract.classifier", fromlist=["x"]).MODEL_PATH.exists(),
                    reason="model not trained")
def test_model_types_short_texts():
    """In a short text the document classifier decides the sub-type of the mentions when
    it is confident (ACLED does not code grenade launchers fired at front-line positions
    as a grenade attack, which the "grenade" cue says); the mention keeps its strength,
    and a long text keeps the lexicon's types."""
    from dateline.extract.classifier import predict

    text = ("The rebel forces fired heavy machine guns, grenade launchers and small arms at the "
            "government positions near the village.")
    label = predict([text], ["en"], balanced=False)[0]
    assert label.score >= triggers.MODEL_DECIDES_SCORE and label.label != "Grenade"
    drops = Counter()
    ms = find_mentions(text, [(0, len(text))], "en", drops)
    assert [m.sub_event_type for m in ms] == [label.label]
    assert drops["typed_by_classifier"] == 1
    triggers.DOCUMENT_MODEL = False
    try:
        lexical = find_mentions(text, [(0, len(text))], "en")
    finally:
        triggers.DOCUMENT_MODEL = True
    assert lexical[0].sub_event_type == "Grenade"
    assert abs(lexical[0].strength - ms[0].strength) < 1e-9
    long_text = text + " " + "The observers noted no further incidents during the day. " * 12
    assert len(long_text) > triggers.DOCUMENT_CHARS
    assert find_mentions(long_text, [(0, len(text))], "en")[0].sub_event_type == "Grenade"
