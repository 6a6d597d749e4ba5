"""Hostile, broken and huge inputs (issue 11): nothing crashes, nothing is lost.

Four parts, each guarding a promise of docs/robustness.md:

1. Property-based tests (hypothesis) for every reader and for zoning and offset
   mapping: whatever the text or the bytes, readers yield Documents and typed
   ``DatelineError``s only, every good document comes back verbatim, zones and
   ``analysis_text`` keep offsets valid.
2. The generated fuzz corpus (tests/fuzz_corpus.py) through the whole CLI: exit codes,
   one ``--errors`` record per bad input, every good document in the store.
3. Encoding detection and normalisation for matching (ingest/normalize.py).
4. Store safety: ``dateline extract --db --resume`` killed with SIGKILL at random
   points, resumed, ends with the store of an uninterrupted run.

The default run fits the CI budget (36 s on 2 cores, most of it the kill trials). ``DATELINE_SLOW=1`` runs
the ``slow`` tests too: the 20 MB page, 100,000 tiny files, 20 kill trials and ten
times more hypothesis examples.
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
import unicodedata
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from typer.testing import CliRunner

from dateline.cli import app
from dateline.errors import DatelineError, EmptyDocumentError, EncodingError, InputError
from dateline.ingest import find_zones, prepare, read_inputs
from dateline.ingest.normalize import FORMAT_CHARS, MAX_RUN_CHARS, matching_text, original_span
from dateline.ingest.readers import (
    BINARY_MAGIC,
    MAX_TEXT_CHARS,
    _HTML_START,
    _META_CHARSET,
    bomless_utf16,
    decode_bytes,
    flatten_deep_nesting,
    iter_read_results,
)
from dateline.model import Document

from . import fuzz_corpus

SLOW = os.environ.get("DATELINE_SLOW") == "1"
ROOT = Path(__file__).resolve().parents[1]
# hypothesis caches (unicode tables) go under the already-ignored .pytest_cache, not ./.hypothesis
set_hypothesis_home_dir(str(ROOT / ".pytest_cache" / "hypothesis"))


def slow(test):
    """Heavy variant: marked ``slow`` (registered in pyproject.toml) and skipped unless DATELINE_SLOW=1."""
    return pytest.mark.slow(pytest.mark.skipif(not SLOW, reason="slow robustness run: set DATELINE_SLOW=1")(test))


#: CI: few, reproducible examples (derandomized, no example database written).
#: Slow run: ten times more, random, so each run explores new inputs.
PROPERTY = settings(
    max_examples=400 if SLOW else 40,
    derandomize=not SLOW,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
FEW = settings(PROPERTY, max_examples=100 if SLOW else 12)

runner = CliRunner()
EXAMPLES = ROOT / "examples"


# --------------------------------------------------------------------------- strategies

#: Characters that break naive text handling: line and paragraph separators, exotic
#: spaces, bidi and zero-width marks, combining accents, Arabic, CJK, astral emoji.
TRICKY = (
    "\n\r\t\x0b\x0c\x1c\x85\u2028\u2029\u00a0\u202f\u3000\u2009"
    + "".join(sorted(FORMAT_CHARS))
    + "\u0301\u0308\u0323\u064b\u0651"
    + "aéÉœ«»’—-.:,;!?()[]<>&\"' 0123456789"
    + "بغدادالموصل北京ОТАН\U0001f600\ufffd\ufffe"
)
tricky_text = st.text(
    alphabet=st.one_of(st.sampled_from(TRICKY), st.characters(exclude_categories=["Cs"])), max_size=300
)

FURNITURE = [
    "TV",
    "Monde",
    "Partager cet article",
    "Lire aussi : Irak : le Parlement débat du budget",
    "SOURCE: AGENCE FICTIVE",
    "Share this article",
    "Read more: Baghdad",
    "Soldiers stand guard at a checkpoint during a parade last year. (AFP photo)",
    "Bagdad, 10 mai 2024 (AFP) - Une roquette est tombée.",
    "Deux roquettes visent une base militaire près de Kirkouk",
    "Lire\u200b aussi : la suite",
    "\u200fالمصدر: وكالات\u200e",
]
PROSE = (
    "Deux roquettes se sont abattues mardi soir sur la base aérienne d'Aïn al-Asad, dans la province d'al-Anbar, "
    "sans faire de victimes, selon un communiqué des forces de sécurité irakiennes publié mercredi matin."
)
line_text = st.one_of(st.sampled_from(FURNITURE), st.just(PROSE), tricky_text)
page_text = st.lists(line_text, max_size=12).flatmap(
    lambda lines: st.sampled_from(["\n", "\r\n", "\n\n", "\n \n"]).map(lambda sep: sep.join(lines))
)


def visible(text: str) -> bool:
    """The readers' notion of a non-empty text, restated independently."""
    return any(not c.isspace() and c not in FORMAT_CHARS for c in text)


def results(*paths: Path, **options) -> list:
    """Every Document and DatelineError of ``paths``; anything else raised fails the test."""
    return list(iter_read_results([str(p) for p in paths], **options))


def assert_document_sound(doc: Document) -> None:
    """What every document a reader hands out must satisfy, before and after zoning."""
    assert isinstance(doc, Document)
    assert visible(doc.text) and len(doc.text) <= MAX_TEXT_CHARS
    for value in (doc.id, doc.text, doc.title or "", doc.source_file or ""):
        value.encode("utf-8")  # no lone surrogate: the store and JSON writers must accept it
    assert_offsets_valid(prepare(doc))


def assert_offsets_valid(doc: Document) -> None:
    text = doc.text
    starts = []
    for z in doc.zones:
        assert 0 <= z.start <= z.end <= len(text), z
        assert text[z.start : z.end] == z.text, z
        starts.append(z.start)
    assert starts == sorted(starts)
    analysis = doc.analysis_text
    assert len(analysis) == len(text)
    assert [i for i, c in enumerate(analysis) if c == "\n"] == [i for i, c in enumerate(text) if c == "\n"]


def check_results(found: list) -> list[Document]:
    """The documents of ``found``, after checking that everything is a Document or a typed error."""
    docs = []
    for r in found:
        assert isinstance(r, (Document, DatelineError)), type(r)
        if isinstance(r, DatelineError):
            assert r.file and r.message and "\n" not in str(r)
        else:
            assert_document_sound(r)
            docs.append(r)
    return docs


# --------------------------------------------------------------------------- 1. zoning and offsets


@PROPERTY
@given(text=page_text, title=st.one_of(st.none(), st.sampled_from(FURNITURE), tricky_text))
def test_zones_and_analysis_text_keep_offsets_for_any_text(text, title):
    assume(visible(text))
    doc = prepare(Document(id="x", text=text, title=title))
    assert_offsets_valid(doc)
    for z in doc.zones:
        if z.kind != "dateline":
            assert "\n" not in z.text and z.text == z.text.strip()


@PROPERTY
@given(text=st.one_of(tricky_text, page_text))
def test_matching_text_keeps_length_and_whitespace(text):
    m = matching_text(text)
    assert len(m) == len(text)
    for t_char, m_char in zip(text, m):
        if t_char.isspace():
            assert m_char == t_char
    runs = [w for w in text.split() if len(w) <= MAX_RUN_CHARS]
    if len(runs) == len(text.split()):
        assert not FORMAT_CHARS & set(m)
    assert unicodedata.is_normalized("NFC", unicodedata.normalize("NFC", m))


@PROPERTY
@given(text=st.one_of(tricky_text, page_text), data=st.data())
def test_original_span_maps_matched_words_back_exactly(text, data):
    m = matching_text(text)
    for word in re.finditer(r"\S+", m):
        start, end = original_span(text, word.start(), word.end())
        assert 0 <= start <= end <= len(text)
        assert matching_text(text[start:end]).strip() == word.group()
        assert text[start:end] == text[start:end].strip()
    if len(m) > 1:
        a = data.draw(st.integers(0, len(m) - 1))
        b = data.draw(st.integers(a, len(m)))
        start, end = original_span(text, a, b)
        assert 0 <= start <= end <= len(text)
        # the same words (padding stands where removed marks were, so spaces may differ)
        assert " ".join(m[a:b].split()) in " ".join(matching_text(text[start:end]).split())


def test_matching_text_examples():
    text = "à Bag\u200bdad, \u200fالموصل\u200e et Mo\u00adsul ; cafe\u0301 « Ain al-Asad »\n"
    m = matching_text(text)
    assert m == "à Bagdad,  الموصل   et Mosul  ; café  « Ain al-Asad »\n"
    i = m.index("Bagdad")
    assert text[slice(*original_span(text, i, i + 6))] == "Bag\u200bdad"
    i = m.index("الموصل")
    assert text[slice(*original_span(text, i, i + 6))] == "الموصل"  # marks around the word stay outside
    i = m.index("café")
    assert text[slice(*original_span(text, i, i + 4))] == "cafe\u0301"


def test_zoning_sees_through_invisible_marks():
    text = (
        "Irak : deux roquettes visent la base d'Aïn al-Asad\n"
        f"{PROSE}\n"
        "Lire\u200b aussi : Irak : le Parlement débat du budget\n"
        "Parta\u00adger cet article\n"
    )
    kinds = [(z.kind, z.text) for z in find_zones(text, "fr")]
    assert ("read_also", "Lire\u200b aussi : Irak : le Parlement débat du budget") in kinds
    assert ("share", "Parta\u00adger cet article") in kinds


# --------------------------------------------------------------------------- 1. readers: good input round-trips

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32"]


@PROPERTY
@given(
    texts=st.lists(tricky_text, min_size=1, max_size=8),
    encoding=st.sampled_from(ENCODINGS),
    newline=st.sampled_from(["\n", "\r\n"]),
    ascii_only=st.booleans(),
)
def test_jsonl_reader_returns_every_good_line_verbatim(tmp_path_factory, texts, encoding, newline, ascii_only):
    if encoding == "utf-16-le":  # no BOM: recognised by its shape, which control-character soup lacks
        assume(not any(unicodedata.category(c) in ("Cc", "Cn", "Co") for t in texts for c in t))
    path = tmp_path_factory.mktemp("jsonl") / "feed.jsonl"
    lines = [json.dumps({"id": f"d{i}", "text": t}, ensure_ascii=ascii_only) for i, t in enumerate(texts)]
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    found = results(path)
    docs = check_results(found)
    assert [(d.id, d.text, d.source_line) for d in docs] == [
        (f"d{i}", t, i + 1) for i, t in enumerate(texts) if visible(t)
    ]
    errors = [r for r in found if isinstance(r, DatelineError)]
    assert [(type(e), e.line) for e in errors] == [
        (EmptyDocumentError, i + 1) for i, t in enumerate(texts) if not visible(t)
    ]


csv_text = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=200)


@PROPERTY
@given(texts=st.lists(csv_text, min_size=1, max_size=8), delimiter=st.sampled_from([",", ";", "\t"]))
def test_csv_reader_returns_every_good_row_verbatim(tmp_path_factory, texts, delimiter):
    path = tmp_path_factory.mktemp("csv") / ("rows.tsv" if delimiter == "\t" else "rows.csv")
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(["id", "text"])
    for i, t in enumerate(texts):
        writer.writerow([f"r{i}", t])
    path.write_bytes(buf.getvalue().encode("utf-8"))
    found = results(path)
    docs = check_results(found)
    assert [(d.id, d.text) for d in docs] == [(f"r{i}", t) for i, t in enumerate(texts) if visible(t)]
    errors = [r for r in found if isinstance(r, DatelineError)]
    assert len(errors) == len([t for t in texts if not visible(t)])  # "" is a missing text, "  " an empty one
    assert all(isinstance(e, InputError) and e.line is not None for e in errors)


def _plain_text_ok(text: str, encoding: str) -> bool:
    data = text.encode(encoding)
    return (
        "\x00" not in text
        and not text.startswith("\ufeff")
        and not any(data.startswith(magic) for magic, _ in BINARY_MAGIC)
        and not _HTML_START.match(data)
    )


@PROPERTY
@given(text=tricky_text, encoding=st.sampled_from(["utf-8", "utf-16", "utf-32"]))
def test_text_reader_returns_the_file_verbatim(tmp_path_factory, text, encoding):
    assume(_plain_text_ok(text, encoding))
    path = tmp_path_factory.mktemp("txt") / "article.txt"
    path.write_bytes(text.encode(encoding))
    found = results(path)
    docs = check_results(found)
    if visible(text):
        assert [(d.id, d.text) for d in docs] == [("article", text)]
    else:
        assert docs == [] and len(found) == 1 and isinstance(found[0], InputError)


@FEW
@given(
    depth=st.integers(0, 3000),
    scripts=st.lists(st.text(st.characters(exclude_characters="\x00"), max_size=200), max_size=5),
    junk=st.lists(tricky_text.map(lambda t: t.replace("\x00", "")), max_size=5),
    attribute=tricky_text.map(lambda t: t.replace("\x00", "")),  # NULs past 1 % make a file binary
)
def test_html_reader_keeps_the_article_whatever_surrounds_it(tmp_path_factory, depth, scripts, junk, attribute):
    script_html = "".join("<script>" + s.replace("</", "<\\/") + "</script>" for s in scripts)
    nav = "<nav><ul>" + "".join(f"<li>{html.escape(j)}</li>" for j in junk) + "</ul></nav>"
    body = (
        script_html
        + nav
        + f'<div class="{html.escape(attribute)}">' * depth
        + f"<article><h1>Roquettes</h1><p>{PROSE}</p><p>{PROSE.replace('Deux', 'Trois')}</p></article>"
        + "</div>" * depth
        + script_html
    )
    path = tmp_path_factory.mktemp("html") / "page.html"
    path.write_bytes(fuzz_corpus._html_page(body).encode("utf-8"))
    [doc] = check_results(results(path))
    assert PROSE in doc.text


@FEW
@given(pages=st.lists(tricky_text, min_size=1, max_size=4), gzip=st.booleans())
def test_warc_reader_returns_every_html_response(tmp_path_factory, pages, gzip):
    path = tmp_path_factory.mktemp("warc") / ("crawl.warc.gz" if gzip else "crawl.warc")
    ids = [str(uuid.UUID(int=i + 1)) for i in range(len(pages))]
    records = [
        (f"https://news.example.org/{i}", fuzz_corpus._html_page(
            f"<article><p>{PROSE}</p><p>{html.escape(p)}</p></article>").encode("utf-8"),
         "200 OK", "text/html; charset=utf-8", ids[i])
        for i, p in enumerate(pages)
    ]
    fuzz_corpus._warc(path, records, gzip=gzip)
    docs = check_results(results(path))
    assert [d.id for d in docs] == ids
    assert [d.url for d in docs] == [r[0] for r in records]
    assert all(PROSE in d.text for d in docs)


# --------------------------------------------------------------------------- 1. readers: any bytes

PREFIXES = [
    b"",
    codecs.BOM_UTF8,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
    codecs.BOM_UTF32_LE,
    b"WARC/1.0\r\n",
    b"\x1f\x8b\x08\x00",
    b"<!DOCTYPE html><html><head><meta charset=",
    b'{"id": "x", "text": "',
    b"id,text\n",
    b"%PDF-1.4",
    b"<meta " * 50,
]
SUFFIXES = [".jsonl", ".csv", ".tsv", ".txt", ".html", ".warc", ".warc.gz", ""]


@PROPERTY
@given(prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=2048), suffix=st.sampled_from(SUFFIXES))
def test_readers_never_raise_on_arbitrary_bytes(tmp_path_factory, prefix, body, suffix):
    path = tmp_path_factory.mktemp("bytes") / f"input{suffix}"
    path.write_bytes(prefix + body)
    check_results(results(path))
    skipped: list[DatelineError] = []
    docs = list(read_inputs([str(path)], skip_bad=True, on_error=skipped.append))
    assert all(isinstance(e, DatelineError) for e in skipped)
    assert len(docs) + len(skipped) >= 1  # a file is never silently ignored


@PROPERTY
@given(data=st.data(), gzip=st.booleans())
def test_damaged_warc_never_raises(tmp_path_factory, data, gzip):
    tmp = tmp_path_factory.mktemp("warcfuzz")
    ids = [str(uuid.UUID(int=i + 1)) for i in range(3)]
    good = tmp / "good.warc"
    fuzz_corpus._warc(
        good,
        [(f"https://x.example/{i}", fuzz_corpus._html_page(f"<article><p>{PROSE}</p></article>").encode(), "200 OK",
          "text/html", ids[i]) for i in range(3)],
        gzip=gzip,
    )
    raw = bytearray(good.read_bytes())
    flips = data.draw(st.integers(0, 8))
    for _ in range(flips):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(raw)))
    damaged = tmp / ("damaged.warc.gz" if gzip else "damaged.warc")
    damaged.write_bytes(bytes(raw[:cut]))
    docs = check_results(results(damaged))
    assert len(docs) <= 3  # a damaged header may change an id (hash of the URI), never add records
    if flips == 0 and cut == len(raw):
        assert [d.id for d in docs] == ids


def test_lone_surrogates_are_replaced_one_for_one(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text('{"id": "s\\ud800", "text": "emoji cut \\ud83d here", "title": "t\\udc00"}\n', encoding="utf-8")
    [doc] = check_results(results(path))
    assert (doc.id, doc.text, doc.title) == ("s\ufffd", "emoji cut \ufffd here", "t\ufffd")


def test_nested_json_and_huge_lines_are_line_errors(tmp_path):
    path = tmp_path / "feed.jsonl"
    good = json.dumps({"id": "ok", "text": PROSE})
    path.write_bytes(
        ("[" * 50_000).encode() + b"\n" + good.encode() + b"\n"
        + b'{"text": "' + b"z" * (9 << 20) + b'"}\n' + good.encode()
    )
    found = results(path)
    assert [(type(r).__name__, getattr(r, "line", None) if isinstance(r, DatelineError) else r.id) for r in found] == [
        ("InputError", 1),
        ("Document", "ok"),
        ("InputError", 3),
        ("Document", "ok"),
    ]
    assert "nested too deeply" in found[0].message and "line too long" in found[2].message


def test_one_nul_line_does_not_cost_the_whole_feed(tmp_path):
    path = tmp_path / "feed.jsonl"
    lines = [json.dumps({"id": f"d{i}", "text": PROSE}).encode() for i in range(200)]
    lines[3] = lines[3].replace(b"Deux", b"De\x00ux")
    path.write_bytes(b"\n".join(lines))
    found = results(path)
    assert [r.line for r in found if isinstance(r, DatelineError)] == [4]
    assert len([r for r in found if isinstance(r, Document)]) == 199


def test_meta_charset_regex_is_linear():
    start = time.perf_counter()
    _META_CHARSET.search(b"<meta " * 10_900)
    assert time.perf_counter() - start < 0.5  # the unbounded [^>]+ took 2 s here


def test_flatten_deep_nesting_keeps_shallow_pages_and_text():
    page = "<html><body><div><p>a</p></div></body></html>"
    assert flatten_deep_nesting(page) is page
    deep = "<div>" * 1000 + "<p>texte profond</p>" + "</div>" * 1000
    flat = flatten_deep_nesting(deep)
    assert "texte profond" in flat and flat.count("<div>") == 180


# --------------------------------------------------------------------------- 3. encodings


ARABIC = fuzz_corpus.AR[0] + " " + fuzz_corpus.AR[1]
FRENCH = " ".join(fuzz_corpus.FR)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (ARABIC.encode("cp1256"), ARABIC),
        (FRENCH.replace("'", " ").encode("latin-1"), FRENCH.replace("'", " ")),
        (FRENCH.encode("utf-16-le"), FRENCH),
        (FRENCH.encode("utf-16-be"), FRENCH),
        (ARABIC.encode("utf-16-le"), ARABIC),
        ((FRENCH + " été").encode("utf-8")[:-1], FRENCH + " ét"),  # cut inside the last "é"
        (
            (FRENCH * 2).encode("utf-8").replace(b"Bagdad", b"Bagd\xe4d", 1),
            (FRENCH * 2).replace("Bagdad", "Bagd\ufffdd", 1),
        ),
    ],
    ids=["cp1256", "latin1", "utf16le-nobom", "utf16be-nobom", "arabic-utf16le-nobom", "truncated-utf8", "stray-byte"],
)
def test_encodings_are_detected(data, expected):
    assert decode_bytes(data, file="x") == expected


def test_truncated_or_binary_utf16_is_not_guessed():
    assert bomless_utf16(FRENCH.encode("utf-16-le")) == "utf-16-le"
    assert bomless_utf16(bytes(random.Random(1).randrange(256) for _ in range(4000))) is None
    with pytest.raises(EncodingError):
        decode_bytes(FRENCH.encode("utf-16-le")[:-1], file="x")


def test_one_legacy_line_in_a_utf8_feed_does_not_garble_the_rest(tmp_path):
    path = tmp_path / "feed.jsonl"
    lines = [json.dumps({"id": "a", "text": FRENCH}, ensure_ascii=False).encode(),
             json.dumps({"id": "b", "text": ARABIC}, ensure_ascii=False).encode("cp1256"),
             json.dumps({"id": "c", "text": FRENCH}, ensure_ascii=False).encode()]
    path.write_bytes(b"\n".join(lines))
    docs = check_results(results(path))
    assert [(d.id, d.text) for d in docs] == [("a", FRENCH), ("b", ARABIC), ("c", FRENCH)]


# --------------------------------------------------------------------------- 2. the fuzz corpus through the CLI


def _run_cli(args: list[str]):
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"CLI crashed: {result.exception!r}\n{result.output}") from result.exception
    return result


def _assert_fuzz_run(corpus: fuzz_corpus.Corpus, out: Path, result) -> dict:
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    summary = fuzz_corpus.check_run(corpus, out / "errors.jsonl", out / "store.db")
    assert summary["lost_documents"] == [] and summary["unexpected_documents"] == [], summary
    assert summary["missing_errors"] == [] and summary["unexpected_errors"] == [], summary
    assert summary["errors_without_reason"] == 0
    # evidence offsets valid against the stored text, whatever the input looked like
    con = sqlite3.connect(out / "store.db")
    texts = dict(con.execute("SELECT id, text FROM documents"))
    con.close()
    for line in (out / "events.jsonl").read_text("utf-8").splitlines():
        event = json.loads(line)
        for ev in event["evidence"]:
            assert texts[event["doc_id"]][ev["start"] : ev["end"]] == ev["text"]
    return summary


@pytest.fixture(scope="module")
def ci_corpus(tmp_path_factory):
    return fuzz_corpus.build_corpus(tmp_path_factory.mktemp("fuzz") / "corpus", "ci")


def test_cli_over_the_fuzz_corpus_skips_and_reports_every_bad_input(ci_corpus, tmp_path):
    out = tmp_path
    result = _run_cli(["extract", ci_corpus.root, "--skip-bad", "--errors", out / "errors.jsonl",
                       "--out", out / "events.jsonl", "--db", out / "store.db", "-q"])
    summary = _assert_fuzz_run(ci_corpus, out, result)
    assert summary["stored_documents"] == summary["expected_documents"] > 1000
    assert f"skipped {summary['expected_errors']} bad input(s)" in result.output


def test_cli_over_the_fuzz_corpus_without_skip_bad_fails_cleanly(ci_corpus, tmp_path):
    events, errors = tmp_path / "events.jsonl", tmp_path / "errors.jsonl"
    result = _run_cli(["extract", ci_corpus.root, "--errors", errors, "--out", events, "-q"])
    assert result.exit_code == 1
    [message] = result.output.strip().splitlines()
    assert message.startswith("error: [E00") and "Traceback" not in result.output
    bad_files = {str(ci_corpus.root / rel) for rel, _line in ci_corpus.bad}
    assert any(f"{name}:" in message for name in bad_files), message
    assert not events.exists() and not errors.exists()
    assert not list(tmp_path.iterdir())  # no temporary file left either


@slow
def test_slow_cli_over_the_full_fuzz_corpus(tmp_path):
    """100,000 tiny files and a 20 MB single-line page, in a subprocess to measure peak memory."""
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("fuzz_corpus.py")), str(tmp_path), "--scale", "slow", "--run"],
        capture_output=True, text=True, cwd=ROOT,
    )
    summary = json.loads(proc.stdout)
    report = os.environ.get("DATELINE_SLOW_REPORT")
    if report:
        Path(report).write_text(json.dumps(summary, indent=1, ensure_ascii=False), encoding="utf-8")
    assert summary["exit_code"] == 0 and summary["crashes"] == 0, summary
    assert summary["lost_documents"] == [] and summary["missing_errors"] == [] and summary["unexpected_errors"] == []


# --------------------------------------------------------------------------- 4. store safety under SIGKILL

#: Documents in the kill-test feed: two commits of the CLI's 64-document batches, then linking.
KILL_FEED_DOCS = 100


def _kill_feed(path: Path, n: int = KILL_FEED_DOCS) -> Path:
    """Short versions of the bundled example reports; a third without ``published`` (read from the text)."""
    examples = [json.loads(line) for line in (EXAMPLES / "reports.jsonl").read_text("utf-8").splitlines()]
    with open(path, "w", encoding="utf-8") as fh:
        for k in range(n):
            doc = dict(examples[k % len(examples)])
            doc["id"] = f"k{k:04d}"
            doc["text"] = doc["text"][:700] + f"\n\nDépêche {k}."
            if k % 3 == 0:
                doc.pop("published", None)
            fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return path


def store_contents(db: Path) -> dict:
    """Everything a store holds, minus wall-clock timestamps, in a comparable form."""
    con = sqlite3.connect(db)
    try:
        def rows(sql: str) -> list:
            return sorted(tuple(r) for r in con.execute(sql))

        return {
            "documents": rows("SELECT id, content_hash, title, published, lang, outlet, url, source_line, text, zones"
                              " FROM documents"),
            "events": rows("SELECT * FROM events"),
            "attribution": rows("SELECT * FROM attribution"),
            "evidence": rows('SELECT event_id, field, start, "end", text FROM evidence'),
            "incidents": rows("SELECT incident_id, n_reports, n_outlets, n_independent, conflicts FROM incidents"),
            "incident_events": rows("SELECT * FROM incident_events"),
            "migrations": rows("SELECT name FROM schema_migrations"),
        }
    finally:
        con.close()


def _committed_documents(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)
        try:
            return con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0  # not created or not migrated yet


def _kill_at_random_point(feed: Path, db: Path, rng: random.Random) -> dict:
    """Start ``dateline extract --db --resume`` and SIGKILL it after a random number of commits plus a random delay."""
    target = rng.randrange(0, KILL_FEED_DOCS // 64 + 2)  # commits to wait for; the last value: during linking
    delay = rng.uniform(0, 6.0 if target == 0 else 0.4)
    cmd = [sys.executable, "-m", "dateline.cli", "extract", str(feed), "--db", str(db), "--resume", "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    start = time.monotonic()
    while proc.poll() is None and target:
        committed = _committed_documents(db)
        if committed >= min(KILL_FEED_DOCS, 64 * target):
            break
        time.sleep(0.02)
    time.sleep(delay)
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    stderr = proc.communicate()[1].decode("utf-8", "replace")
    assert killed or proc.returncode == 0, stderr
    return {"target": target, "delay": round(delay, 2), "killed": killed, "after_s": round(time.monotonic() - start, 1)}


def _assert_whole_documents(db: Path, reference: dict) -> None:
    """A killed store holds whole documents: each stored one has exactly its events of an uninterrupted run."""
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {r[0] for r in con.execute("SELECT id FROM documents")}
        events = sorted(tuple(r) for r in con.execute("SELECT * FROM events"))
    finally:
        con.close()
    assert events == [e for e in reference["events"] if e[1] in stored]


@pytest.fixture(scope="module")
def kill_setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("kill")
    feed = _kill_feed(root / "feed.jsonl")
    reference = root / "reference.db"
    result = _run_cli(["extract", feed, "--db", reference, "--resume", "-q"])
    assert result.exit_code == 0, result.output
    return feed, store_contents(reference)


def _kill_trials(kill_setup, tmp_path: Path, trials: int, seed: int) -> list[dict]:
    feed, reference = kill_setup
    assert len(reference["documents"]) == KILL_FEED_DOCS and reference["events"] and reference["incidents"]

    def trial(i: int) -> dict:
        rng = random.Random(seed + i)
        db = tmp_path / f"store{i}.db"
        info = _kill_at_random_point(feed, db, rng)
        if db.exists():
            _assert_whole_documents(db, reference)
        return info | {"db": db}

    with ThreadPoolExecutor(max_workers=3) as pool:  # startup is CPU-bound; commits are what we wait for
        infos = list(pool.map(trial, range(trials)))
    for info in infos:
        start = time.monotonic()
        result = _run_cli(["extract", feed, "--db", info["db"], "--resume", "-q"])
        assert result.exit_code == 0, result.output
        assert store_contents(info["db"]) == reference, info
        info["resume_s"] = round(time.monotonic() - start, 1)
    return infos


def test_store_killed_at_random_points_resumes_to_the_same_contents(kill_setup, tmp_path):
    infos = _kill_trials(kill_setup, tmp_path, trials=3, seed=1100)
    assert any(i["killed"] for i in infos)


@slow
def test_slow_store_killed_twenty_times(kill_setup, tmp_path):
    infos = _kill_trials(kill_setup, tmp_path, trials=20, seed=int(time.time()))
    killed = sum(i["killed"] for i in infos)
    print(f"\nkill trials: {len(infos)}, killed mid-run: {killed}, points: "
          + ", ".join(f"{i['target']}+{i['delay']}s" for i in infos))
    assert killed >= 15
