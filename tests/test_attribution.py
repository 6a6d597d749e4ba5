"""Attribution cues (claims/attribution.py)."""

import pytest

from dateline.claims.attribution import attribute, has_claim

CASES = [
    ("Un convoi a été visé à Diwaniya.", "fr", "outlet", "asserted", None),
    ("Dans un flash, la chaîne Telegram Sabereen News a fait part d'une attaque à Samawa.", "fr",
     "cited_media", "reported", "Sabereen News"),
    ("Des engins auraient été lancés depuis l'est de la capitale, selon des sources sécuritaires.", "fr",
     "anonymous", "alleged", "sources sécuritaires"),
    ("L'attaque a été revendiquée par le groupe Ashab al-Kahf.", "fr", "claimant", "claimed", None),
    ("Two rockets hit the base late on Tuesday, two Iraqi security officials said.", "en", "official", "reported", None),
    ("The ministry denied that any strike took place.", "en", "official", "denied", None),
]


@pytest.mark.parametrize("sentence,lang,by,epistemic,source", CASES)
def test_attribution(sentence, lang, by, epistemic, source):
    a = attribute(sentence, lang)
    assert (a.asserted_by, a.epistemic) == (by, epistemic)
    if source:
        assert a.source == source


def test_negated_claim_is_not_a_claim():
    s = "Une roquette a frappé la base, aucune partie n'ayant encore revendiqué l'attaque."
    assert not has_claim(s, "fr")
    assert attribute(s, "fr").asserted_by == "outlet"
