"""Ingest stage: readers, typed input errors, zoning, language."""

from __future__ import annotations

import io
import json
import logging
from datetime import date
from pathlib import Path

import pytest

from dateline.errors import DataFileError, DatelineError, EmptyDocumentError, EncodingError, InputError
from dateline.ingest import detect_language, find_zones, load_cues, prepare, read_inputs, to_iso639_1
from dateline.ingest.readers import sniff_format
from dateline.model import MASKED_ZONES, Document

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def read_all(*paths, **options) -> list[Document]:
    return list(read_inputs([str(p) for p in paths], **options))


def first_error(path, **options) -> DatelineError:
    with pytest.raises(DatelineError) as info:
        read_all(path, **options)
    return info.value


def assert_offsets(doc: Document) -> None:
    for zone in doc.zones:
        assert doc.text[zone.start : zone.end] == zone.text, zone


# --------------------------------------------------------------------------- readers


def test_jsonl_reader_keeps_contract_fields_and_line_numbers():
    docs = read_all(FIXTURES / "feed.jsonl")
    assert [d.id for d in docs] == ["a1", "a2", "a3"]
    a1, a2, a3 = docs
    assert a1.title == "Manifestation à Bassora"
    assert a1.published == date(2021, 3, 13)
    assert (a1.lang, a1.outlet, a1.url) == ("fr", "Le Quotidien Fictif", "https://example.org/a1")
    assert a2.published == date(2021, 3, 14)  # ISO datetime: its calendar date as written
    assert a3.published is None and a3.lang is None
    assert [d.source_line for d in docs] == [1, 3, 4]  # line 2 is blank
    assert all(d.source_file == str(FIXTURES / "feed.jsonl") for d in docs)


def test_text_reader_uses_stem_as_id_and_keeps_text_verbatim():
    path = FIXTURES / "article_fr.txt"
    [doc] = read_all(path)
    assert doc.id == "article_fr"
    assert doc.text == path.read_text(encoding="utf-8")
    assert doc.title is None and doc.source_line is None


def test_html_reader_extracts_main_text_and_metadata():
    [doc] = read_all(FIXTURES / "page.html")
    assert doc.id == "page"
    assert doc.title == "Une roquette tombe près de l'aéroport"
    assert doc.published == date(2021, 3, 13)
    assert doc.url == "https://journal.example.org/2021/03/13/roquette-aeroport"
    assert "Une roquette est tombée samedi matin" in doc.text
    assert "quelle honte" not in doc.text  # comments excluded
    assert "Tous droits réservés" not in doc.text
    assert "Accueil" not in doc.text
    prepared = prepare(doc)
    assert [(z.kind, z.text) for z in prepared.zones] == [("title", "Une roquette tombe près de l'aéroport")]
    assert_offsets(prepared)


def test_csv_reader_with_text_column_and_physical_line_numbers():
    docs = read_all(FIXTURES / "rows.csv", text_column="body")
    assert [d.id for d in docs] == ["r1", "rows-2", "r3"]
    assert [d.source_line for d in docs] == [2, 3, 5]  # row 2 spans lines 3-4
    assert docs[0].published == date(2022, 3, 1) and docs[0].title == "Premier article"
    assert docs[1].text == "Un texte sur\ndeux lignes physiques, dans un champ entre guillemets."
    assert docs[2].title is None


def test_csv_without_the_text_column_is_an_input_error_on_the_header():
    err = first_error(FIXTURES / "rows.csv")
    assert isinstance(err, InputError)
    assert (err.file, err.line) == (str(FIXTURES / "rows.csv"), 1)
    assert "'text'" in err.message


def test_csv_semicolon_delimiter_is_detected(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text('id;text\nx1;"Un texte, avec une virgule."\n', encoding="utf-8")
    [doc] = read_all(path)
    assert (doc.id, doc.text) == ("x1", "Un texte, avec une virgule.")


def test_directory_is_recursive_sorted_and_skips_hidden_and_unknown(caplog):
    with caplog.at_level(logging.INFO, logger="dateline.ingest.readers"):
        docs = read_all(FIXTURES / "tree")
    assert [d.id for d in docs] == ["a", "t-json", "d"]
    assert any("notes.md" in r.getMessage() and "unknown suffix" in r.getMessage() for r in caplog.records)
    assert any(".hidden.txt" in r.getMessage() for r in caplog.records)


def _write_warc(path: Path, *, gzip: bool) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    html = (FIXTURES / "page.html").read_bytes()
    # a page without date metadata: published must fall back to the WARC-Date
    undated = html.replace(b'<meta property="article:published_time" content="2021-03-13T09:15:00+00:00">', b"")
    undated = undated.replace(b"2021/03/13/", b"")
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)

        def response(uri: str, body: bytes, status: str, content_type: str, when: str):
            headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
            return writer.create_warc_record(
                uri, "response", payload=io.BytesIO(body), http_headers=headers, warc_headers_dict={"WARC-Date": when}
            )

        writer.write_record(
            writer.create_warc_record("https://news.example.org/", "warcinfo", payload=io.BytesIO(b"x"))
        )
        writer.write_record(
            response(
                "https://news.example.org/a", undated, "200 OK", "text/html; charset=utf-8", "2021-03-15T08:00:00Z"
            )
        )
        writer.write_record(
            response(
                "https://news.example.org/logo.png", b"\x89PNG\r\n\x1a\n", "200 OK", "image/png", "2021-03-15T08:00:01Z"
            )
        )
        writer.write_record(
            response(
                "https://news.example.org/gone",
                b"<html>Not found</html>",
                "404 Not Found",
                "text/html",
                "2021-03-15T08:00:02Z",
            )
        )


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_warc_reader_reads_html_responses_only(tmp_path, name):
    path = tmp_path / name
    _write_warc(path, gzip=name.endswith(".gz"))
    [doc] = read_all(path)
    assert doc.url == "https://news.example.org/a"
    assert doc.published == date(2021, 3, 15)  # WARC-Date: the page has no date metadata
    assert doc.title == "Une roquette tombe près de l'aéroport"
    assert "Une roquette est tombée samedi matin" in doc.text
    assert len(doc.id) == 36 and doc.id.count("-") == 4  # the record's UUID


def test_unknown_suffix_is_sniffed(tmp_path):
    jsonl = tmp_path / "feed"
    jsonl.write_text('{"id": "s1", "text": "Un texte."}\n', encoding="utf-8")
    html_as_txt = tmp_path / "page.txt"
    html_as_txt.write_bytes((FIXTURES / "page.html").read_bytes())
    docs = read_all(jsonl, html_as_txt)
    assert [d.id for d in docs] == ["s1", "page"]
    assert docs[1].title == "Une roquette tombe près de l'aéroport"
    assert sniff_format(b"WARC/1.0\r\n") == "warc"


def test_utf8_bom_and_legacy_encoding_are_decoded(tmp_path):
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + '{"id": "b", "text": "Déjà vu"}\n'.encode())
    legacy = tmp_path / "legacy.txt"
    text = (
        "Le café de la gare a été fermé après une fusillade. Les forces de sécurité ont arrêté trois "
        "hommes près de la frontière, a déclaré le ministère de l’Intérieur."
    )
    legacy.write_bytes(text.encode("cp1252"))
    docs = read_all(bom, legacy)
    assert docs[0].text == "Déjà vu"
    assert docs[1].text == text


# --------------------------------------------------------------------------- bad inputs


def _jsonl(tmp_path: Path, *lines: str | bytes, name: str = "feed.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(b"".join((x if isinstance(x, bytes) else x.encode("utf-8")) + b"\n" for x in lines))
    return path


GOOD = '{"id": "ok", "text": "Un texte valide."}'


@pytest.mark.parametrize(
    ("bad_line", "error_type", "words"),
    [
        ('{"id": "x", "text": "abc"', InputError, "invalid JSON"),  # truncated
        ("not json at all", InputError, "invalid JSON"),
        ('["a", "b"]', InputError, "not an object"),
        ('{"id": "x"}', InputError, "missing 'text'"),
        ('{"id": "x", "text": 42}', InputError, "must be a string"),
        ('{"id": "x", "text": null}', InputError, "missing 'text'"),
        ('{"id": "x", "text": "  \\n\\t "}', EmptyDocumentError, "empty text"),
        ('{"text": "Sans identifiant."}', InputError, "missing 'id'"),
        ('{"id": "x", "text": "t", "published": "2021-13-45"}', InputError, "not a date"),
        ('{"id": "x", "text": "t", "published": "hier"}', InputError, "not a date"),
        ('{"id": "x", "text": "t", "published": 20210313}', InputError, "published"),
        ('{"id": "x", "text": "t", "title": ["a"]}', InputError, "'title'"),
        (
            b'{"id": "x", "text": "' + b"\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f" * 10 + b'"}',
            EncodingError,
            "cannot decode",
        ),
    ],
)
def test_bad_jsonl_line_raises_typed_error_naming_file_and_line(tmp_path, bad_line, error_type, words):
    path = _jsonl(tmp_path, GOOD, bad_line, GOOD.replace('"ok"', '"ok2"'))
    err = first_error(path)
    assert type(err) is error_type
    assert (err.file, err.line) == (str(path), 2)
    assert words in err.message
    assert f"{path}:2" in str(err)


@pytest.mark.parametrize(
    ("name", "content", "error_type"),
    [
        ("report.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", EncodingError),
        ("archive.jsonl", b"PK\x03\x04\x14\x00\x00\x00", EncodingError),
        ("image.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", EncodingError),
        ("nul.jsonl", b'{"id": "x", "text": "a\x00b"}\n', EncodingError),
        ("noise.txt", b"\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f" * 10, EncodingError),
        ("empty.jsonl", b"", InputError),
        ("blank.jsonl", b"\n  \n\n", InputError),
        ("empty.txt", b"", InputError),
        ("spaces.txt", b" \n\t \n", EmptyDocumentError),
        ("header_only.csv", b"id,text\n", InputError),
        ("empty.csv", b"", InputError),
        (
            "no_text.html",
            b"<html><head><title>Vide</title></head><body><script>var a;</script></body></html>",
            EmptyDocumentError,
        ),
        ("broken.warc", b"WARC/1.0\r\nthis is not a warc record\r\n\r\n", InputError),
    ],
)
def test_bad_whole_file_raises_typed_error_naming_the_file(tmp_path, name, content, error_type):
    path = tmp_path / name
    path.write_bytes(content)
    err = first_error(path)
    assert type(err) is error_type, str(err)
    assert (err.file, err.line) == (str(path), None)


def test_missing_path_is_an_input_error(tmp_path):
    err = first_error(tmp_path / "nowhere.jsonl")
    assert isinstance(err, InputError) and err.file == str(tmp_path / "nowhere.jsonl")


def test_empty_directory_is_an_input_error(tmp_path):
    (tmp_path / "notes.md").write_text("rien", encoding="utf-8")
    err = first_error(tmp_path)
    assert isinstance(err, InputError) and err.file == str(tmp_path)


def test_default_stops_at_first_bad_input_after_yielding_earlier_documents(tmp_path):
    path = _jsonl(tmp_path, GOOD, "{broken", GOOD.replace('"ok"', '"ok2"'))
    seen = []
    with pytest.raises(InputError) as info:
        for doc in read_inputs([str(path)]):
            seen.append(doc.id)
    assert seen == ["ok"] and info.value.line == 2


def test_skip_bad_collects_every_error_and_keeps_every_good_document(tmp_path):
    feed = _jsonl(tmp_path, GOOD, "{broken", '{"id": "e", "text": ""}', "[1]", GOOD.replace('"ok"', '"ok2"'))
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"%PDF-1.4 binary")
    errors: list[DatelineError] = []
    docs = list(read_inputs([str(feed), str(binary)], skip_bad=True, on_error=errors.append))
    assert [d.id for d in docs] == ["ok", "ok2"]
    assert [(e.file, e.line, type(e)) for e in errors] == [
        (str(feed), 2, InputError),
        (str(feed), 3, EmptyDocumentError),
        (str(feed), 4, InputError),
        (str(binary), None, EncodingError),
    ]
    record = errors[0].as_record()
    assert record["file"] == str(feed) and record["line"] == 2 and record["reason"].startswith("[E001]")


def test_csv_bad_rows_name_their_start_line(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text('id,text,published\na,"ok",\nb,"   ",\nc,"ok","2021-02-30"\nd\n', encoding="utf-8")
    errors: list[DatelineError] = []
    docs = list(read_inputs([str(path)], skip_bad=True, on_error=errors.append))
    assert [d.id for d in docs] == ["a"]
    assert [(type(e), e.line) for e in errors] == [(EmptyDocumentError, 3), (InputError, 4), (InputError, 5)]


def test_duplicate_ids_are_kept_with_a_suffix(tmp_path, caplog):
    one = _jsonl(tmp_path, '{"id": "x", "text": "premier"}', '{"id": "x", "text": "deuxième"}', name="one.jsonl")
    two = _jsonl(tmp_path, '{"id": "x", "text": "troisième"}', '{"id": "x~2", "text": "quatrième"}', name="two.jsonl")
    with caplog.at_level(logging.WARNING, logger="dateline.ingest.readers"):
        docs = read_all(one, two)
    assert [(d.id, d.text) for d in docs] == [
        ("x", "premier"),
        ("x~2", "deuxième"),
        ("x~3", "troisième"),
        ("x~2~2", "quatrième"),
    ]
    assert sum("duplicate document id" in r.getMessage() for r in caplog.records) == 3


# --------------------------------------------------------------------------- zoning


def test_zoning_french_fixture_finds_every_kind_with_exact_offsets():
    [doc] = read_all(FIXTURES / "article_fr.txt")
    prepared = prepare(doc)
    assert prepared.lang == "fr" and prepared.lang_score > 0.9
    assert_offsets(prepared)
    found = [(z.kind, z.text) for z in prepared.zones]
    assert found == [
        ("header", "Monde"),
        ("title", "Deux roquettes visent une base militaire près de Kirkouk"),
        (
            "caption_unrelated",
            "Soldiers stand guard at a checkpoint during a parade in a different country last year. (AFP photo)",
        ),
        ("caption", "Des véhicules militaires stationnés à l'entrée de la base. ©Agence Fictive"),
        ("read_also", "Lire aussi : Irak : le Parlement débat du budget de la défense"),
        ("share", "Partager cet article"),
        ("source", "SOURCE: AGENCE FICTIVE"),
    ]
    # every prose paragraph survives masking
    analysis = prepared.analysis_text
    for paragraph in (
        "Deux roquettes se sont abattues mardi soir",
        "Les forces de sécurité ont retrouvé",
        "Une roquette similaire s'était écrasée",
    ):
        assert paragraph in analysis
    assert "Lire aussi" not in analysis and "SOURCE" not in analysis and len(analysis) == len(doc.text)


def test_zoning_leaves_prose_alone():
    long_source = (
        "Source : un responsable de la sécurité, qui a requis l'anonymat, affirme que trois roquettes "
        "ont visé la base dans la nuit."
    )
    text = (
        "Des hommes armés ont attaqué un poste de police à Mossoul mardi, tuant deux agents, selon la police.\n"
        f"{long_source}\n"
        "Lire aussi ces témoignages recueillis par notre correspondant sur place, qui décrivent une nuit de "
        "panique dans le quartier, ne suffit pas à comprendre l'ampleur des dégâts causés par l'explosion.\n"
    )
    assert find_zones(text, "fr") == []
    # a one-line ACLED-style note
    note = "On 3 May 2020, unidentified gunmen killed two police officers in Mosul (Ninewa)."
    assert find_zones(note, "en") == []


def test_title_from_document_metadata_is_matched_not_guessed():
    text = (
        "Attaque à Bagdad\n"
        "Une roquette est tombée samedi matin près de l'aéroport, selon la police irakienne, sans faire de victimes. "
        "Le tir n'a pas été revendiqué et une enquête a été ouverte.\n"
    )
    assert [(z.kind, z.text) for z in find_zones(text, "fr")] == [("title", "Attaque à Bagdad")]  # guessed
    zones = find_zones(text, "fr", title="Attaque à Bagdad")
    assert [(z.kind, z.text) for z in zones] == [("title", "Attaque à Bagdad")]
    # a given title absent from the text: the first line is not guessed to be one
    assert find_zones(text, "fr", title="Un autre titre") == []


def test_zoning_cues_are_valid_data_with_sources():
    cues = load_cues()
    assert len({c.id for c in cues}) == len(cues)
    assert {c.kind for c in cues} >= {"share", "read_also", "source", "photo_credit", "caption", "boilerplate"}
    assert all(c.source.strip() for c in cues)
    assert {"fr", "en", "ar"} <= {c.lang for c in cues}


def test_bad_zoning_data_file_is_a_data_file_error(tmp_path):
    path = tmp_path / "zoning.yaml"
    path.write_text(
        "- id: broken\n  kind: share\n  lang: fr\n  pattern: '(unclosed'\n  source: test\n", encoding="utf-8"
    )
    with pytest.raises(DataFileError) as info:
        load_cues(path)
    assert "broken" in str(info.value) and info.value.file == str(path)


# --------------------------------------------------------------------------- language


def test_detect_language():
    assert detect_language("TV") == (None, 0.0)
    lang, score = detect_language(
        "Des manifestants se sont rassemblés samedi devant le siège\ndu gouvernorat de Bassora."
    )
    assert lang == "fr" and score > 0.8
    assert detect_language("Police dispersed a sit-in outside the provincial council on Sunday morning.")[0] == "en"
    assert detect_language("تظاهر مئات الأشخاص يوم السبت أمام مبنى المحافظة في البصرة للمطالبة بفرص عمل")[0] == "ar"


def test_language_codes_are_normalised_to_iso_639_1():
    assert [to_iso639_1(c) for c in ("fr", "fr-FR", "FRA", "fre", "ara", "en_US", "arz", None, "")] == [
        "fr",
        "fr",
        "fr",
        "fr",
        "ar",
        "en",
        "ar",
        None,
        None,
    ]


def test_prepare_keeps_declared_language_and_detects_missing_one():
    [a1, a2, a3] = read_all(FIXTURES / "feed.jsonl")
    assert prepare(a1).lang == "fr" and prepare(a1).lang_score is None
    detected = prepare(a3)
    assert detected.lang == "fr" and detected.lang_score > 0.5


# --------------------------------------------------------------------------- seeds (real data)


def _char_sets(zones, text):
    by_kind: dict[str, set[int]] = {}
    for z in zones:
        kind, start, end = (z["kind"], z["start"], z["end"]) if isinstance(z, dict) else (z.kind, z.start, z.end)
        by_kind.setdefault(kind, set()).update(i for i in range(start, end) if not text[i].isspace())
    return by_kind


@pytest.mark.skipif(not (SHARED / "gold" / "seeds_zones.jsonl").exists(), reason="shared seed gold not available")
def test_seed_zoning_recall_and_prose_masking():
    docs = {d["id"]: d for d in map(json.loads, (SHARED / "seeds" / "docs.jsonl").read_text("utf-8").splitlines())}
    gold = {
        g["doc"]: g for g in map(json.loads, (SHARED / "gold" / "seeds_zones.jsonl").read_text("utf-8").splitlines())
    }
    hit: dict[str, int] = {}
    total: dict[str, int] = {}
    prose = prose_masked = 0
    for doc_id, record in docs.items():
        text = record["text"]
        # as the CLI sees a plain seed: no title, no declared language
        doc = prepare(Document(id=doc_id, text=text))
        assert doc.lang == "fr"
        assert_offsets(doc)
        gold_sets = _char_sets(gold[doc_id]["zones"], text)
        pred_sets = _char_sets([z for z in doc.zones if z.kind in MASKED_ZONES], text)
        for kind, chars in gold_sets.items():
            total[kind] = total.get(kind, 0) + len(chars)
            hit[kind] = hit.get(kind, 0) + len(chars & pred_sets.get(kind, set()))
        gold_any = set().union(*gold_sets.values())
        pred_any = set().union(*pred_sets.values()) if pred_sets else set()
        prose_chars = {i for i, c in enumerate(text) if not c.isspace()} - gold_any
        prose += len(prose_chars)
        prose_masked += len(prose_chars & pred_any)
    for kind in ("header", "share", "source", "read_also", "caption_unrelated"):
        assert hit[kind] / total[kind] >= 0.9, (kind, hit[kind], total[kind])
    assert prose_masked / prose < 0.01, (prose_masked, prose)
