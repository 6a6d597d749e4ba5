"""The hostile-input corpus of issue 11, generated on demand (never committed).

``build_corpus(root, scale)`` writes a directory of broken, huge and tricky inputs and
returns a :class:`Corpus` that says, for every file, which documents must come out of
it (``good``) and which errors must be reported (``bad``: ``(file, line)``, line
``None`` for a whole file). ``check_run`` compares a ``dateline extract --skip-bad
--errors ... --db ...`` run with that expectation.

Two scales: ``ci`` (seconds: 1,000 tiny files, a 2 MB single-line page) and ``slow``
(100,000 tiny files, a 20 MB single-line page), used by ``tests/test_robustness.py``
(the slow one with ``DATELINE_SLOW=1``) and by hand::

    .venv/bin/python tests/fuzz_corpus.py /tmp/fuzz --scale slow --run

which builds the corpus, runs the CLI in a subprocess and prints a JSON summary
(inputs tried, crashes, lost documents, peak memory) for docs/robustness.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import time
import unicodedata
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

SCALES = {
    "ci": {"tiny_files": 1_000, "big_html_bytes": 2_000_000},
    "slow": {"tiny_files": 100_000, "big_html_bytes": 20_000_000},
}

FR = [
    "Une roquette est tombée jeudi près de l'aéroport de Bagdad, sans faire de victimes, selon la police irakienne.",
    "Des manifestants se sont rassemblés samedi devant le siège du gouvernorat de Bassora pour réclamer des emplois.",
    "Un engin explosif artisanal a visé mardi un convoi logistique près de Diwaniya, blessant un chauffeur.",
    "Le café de la gare a été fermé après une fusillade ; les forces de sécurité ont arrêté trois hommes près de la "
    "frontière, a déclaré le ministère de l'Intérieur.",
]
AR = [
    "سقط صاروخ يوم الخميس قرب مطار بغداد الدولي دون أن يسفر عن إصابات، بحسب ما أفادت الشرطة العراقية.",
    "تظاهر مئات الأشخاص يوم السبت أمام مبنى المحافظة في البصرة للمطالبة بفرص عمل وتحسين الخدمات.",
]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
          "décembre"]
EN = "Police dispersed a sit-in outside the provincial council in Nasiriyah on Sunday morning, witnesses said."


def article(i: int, lang: str = "fr") -> str:
    """A plain article of a few paragraphs, distinct for every ``i``."""
    if lang == "ar":
        return f"{AR[i % 2]}\n\n{AR[(i + 1) % 2]} ({i})\n"
    return f"{FR[i % 4]}\n\n{FR[(i + 1) % 4]} Dépêche numéro {i}.\n\n{FR[(i + 2) % 4]}\n"


@dataclass
class Corpus:
    """What a run over ``root`` must produce. Paths are relative to ``root`` (str, '/'-separated)."""

    root: Path
    scale: str
    good: dict[str, list[str]] = field(default_factory=dict)  # file -> document ids
    bad: Counter = field(default_factory=Counter)  # (file, line) -> count
    kinds: Counter = field(default_factory=Counter)  # kind of input -> files written

    def add_good(self, rel: str, *ids: str, kind: str) -> None:
        self.good.setdefault(rel, []).extend(ids)
        self.kinds[kind] += 1

    def add_bad(self, rel: str, line: int | None = None, *, kind: str, count: bool = True) -> None:
        self.bad[(rel, line)] += 1
        if count:
            self.kinds[kind] += 1

    @property
    def good_ids(self) -> list[str]:
        return [i for ids in self.good.values() for i in ids]

    @property
    def files(self) -> int:
        return sum(self.kinds.values())


def _write(root: Path, rel: str, data: bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _html_page(body: str, *, title: str = "Attaque à Bagdad", head: str = "") -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title>{head}</head>"
        f"<body>{body}</body></html>"
    )


def _article_html(i: int, lang: str = "fr") -> str:
    paragraphs = [p for p in article(i, lang).split("\n") if p]
    return "<article><h1>Titre</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article>"


def big_single_line_html(size: int, i: int = 0) -> bytes:
    """A page of ``size`` bytes on one line: inline scripts, base64 blobs, navigation, and one article."""
    rng = random.Random(i)
    script = "<script>var data='" + "".join(rng.choice("abcdef0123456789") for _ in range(2000)) + "';</script>"
    blob = '<img alt="" src="data:image/png;base64,' + "iVBORw0KGgo" * 150 + '">'
    nav = "<nav><ul>" + "".join(f'<li><a href="/r{k}">Rubrique {k}</a></li>' for k in range(15)) + "</ul></nav>"
    junk = script + blob + nav
    n = max(2, (size - 2000) // len(junk))
    body = junk * (n // 2) + _article_html(i) + junk * (n - n // 2)
    return _html_page(body).encode("utf-8")


def _warc(path: Path, records: list[tuple[str, bytes, str, str, str]], *, gzip: bool) -> None:
    """``records``: (uri, payload, status line, content type, record uuid)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        for uri, payload, status, content_type, rec_id in records:
            headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    uri,
                    "response",
                    payload=io.BytesIO(payload),
                    http_headers=headers,
                    warc_headers_dict={"WARC-Record-ID": f"<urn:uuid:{rec_id}>", "WARC-Date": "2024-05-15T08:00:00Z"},
                )
            )


def build_corpus(root: Path, scale: str = "ci", *, seed: int = 11) -> Corpus:
    """Write the corpus under ``root`` (created) and return its expectations."""
    params = SCALES[scale]
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    c = Corpus(root=root, scale=scale)

    # -- encodings -------------------------------------------------------------------
    latin1 = article(1).replace("'", " ")
    _write(root, "encodings/fr_latin1.txt", latin1.encode("latin-1"))
    c.add_good("encodings/fr_latin1.txt", "fr_latin1", kind="Latin-1 French")
    _write(root, "encodings/ar_cp1256.txt", article(2, "ar").encode("cp1256"))
    c.add_good("encodings/ar_cp1256.txt", "ar_cp1256", kind="Windows-1256 Arabic")
    http_equiv = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">'
    declared = _html_page(_article_html(3, "ar"), head=http_equiv)
    _write(root, "encodings/ar_cp1256_declared.html", declared.replace('<meta charset="utf-8">', "").encode("cp1256"))
    c.add_good("encodings/ar_cp1256_declared.html", "ar_cp1256_declared", kind="Windows-1256 Arabic")
    for rel, text, enc in (
        ("encodings/fr_utf16le_nobom.txt", article(4), "utf-16-le"),
        ("encodings/fr_utf16be_nobom.txt", article(5), "utf-16-be"),
        ("encodings/ar_utf16le_nobom.txt", article(6, "ar"), "utf-16-le"),
    ):
        _write(root, rel, text.encode(enc))
        c.add_good(rel, Path(rel).stem, kind="UTF-16 without BOM")
    feed16 = "".join(json.dumps({"id": f"u16-{k}", "text": article(k)}, ensure_ascii=False) + "\n" for k in range(3))
    _write(root, "encodings/feed_utf16_bom.jsonl", feed16.encode("utf-16"))
    c.add_good("encodings/feed_utf16_bom.jsonl", "u16-0", "u16-1", "u16-2", kind="UTF-16 with BOM")
    _write(root, "encodings/feed_utf16le_nobom.jsonl", feed16.replace("u16-", "u16n-").encode("utf-16-le"))
    c.add_good("encodings/feed_utf16le_nobom.jsonl", "u16n-0", "u16n-1", "u16n-2", kind="UTF-16 without BOM")
    cut = (article(7) + "Fin : été").encode("utf-8")[:-1]  # cut inside the final "é"
    _write(root, "encodings/fr_truncated_utf8.txt", cut)
    c.add_good("encodings/fr_truncated_utf8.txt", "fr_truncated_utf8", kind="truncated UTF-8")
    stray = (article(8) * 2).encode("utf-8").replace(b"Bagdad", b"Bagd\xe4d", 1)
    _write(root, "encodings/fr_stray_byte.txt", stray)
    c.add_good("encodings/fr_stray_byte.txt", "fr_stray_byte", kind="UTF-8 with a stray byte")
    _write(root, "encodings/utf16_truncated.txt", article(9).encode("utf-16-le")[:-1])
    c.add_bad("encodings/utf16_truncated.txt", kind="truncated UTF-16")
    _write(root, "encodings/noise.txt", bytes(range(0x80, 0x90)) * 10)
    c.add_bad("encodings/noise.txt", kind="undecodable bytes")

    # -- unicode tricks ----------------------------------------------------------------
    bidi = (
        "Une roquette est tombée sur Bag\u200bdad jeudi ; \u200fالموصل\u200e et Mo\u00adsul sont en alerte.\n\n"
        "Des tirs ont visé la base d\u2019A\u0300\u0131n al-Asad (\u202bعين الأسد\u202c), selon \u2066Sabereen News\u2069.\n"
    )
    _write(root, "unicode/bidi_zero_width.txt", bidi.encode("utf-8"))
    c.add_good("unicode/bidi_zero_width.txt", "bidi_zero_width", kind="bidi and zero-width marks")
    mixed = "Les forces de l'ОТАН ont frappé Bаgdad (а cyrillique), 北京 et بغداد dans une même phrase: Kirkūk-كركوك.\n"
    _write(root, "unicode/mixed_scripts.txt", (mixed * 3).encode("utf-8"))
    c.add_good("unicode/mixed_scripts.txt", "mixed_scripts", kind="mixed scripts")
    _write(root, "unicode/nfd_accents.txt", unicodedata.normalize("NFD", article(10)).encode("utf-8"))
    c.add_good("unicode/nfd_accents.txt", "nfd_accents", kind="decomposed accents (NFD)")
    _write(root, "unicode/zero_width_only.txt", "\u200b\u200f\u2066 \n\u200d".encode("utf-8"))
    c.add_bad("unicode/zero_width_only.txt", kind="zero-width characters only")

    # -- HTML --------------------------------------------------------------------------
    _write(root, "html/big_single_line.html", big_single_line_html(params["big_html_bytes"]))
    big_kind = f"{params['big_html_bytes'] // 1_000_000} MB single-line HTML"
    c.add_good("html/big_single_line.html", "big_single_line", kind=big_kind)
    nested = _html_page("<div>" * 5000 + _article_html(11) + "</div>" * 5000)
    _write(root, "html/nested_5000.html", nested.encode("utf-8"))
    c.add_good("html/nested_5000.html", "nested_5000", kind="deeply nested HTML")
    tables = _html_page("<table><tr><td>" * 3000 + _article_html(12) + "</td></tr></table>" * 3000)
    _write(root, "html/nested_tables.html", tables.encode("utf-8"))
    c.add_good("html/nested_tables.html", "nested_tables", kind="deeply nested HTML")
    scripts = "".join(
        f"<script>document.write('<div>{k}</div>'); var s = \"</scr\" + \"ipt>\"; /* <p>faux</p> */</script>"
        f"<style>.c{k} {{ color: red }}</style><!-- <p>commentaire {k}</p> -->"
        for k in range(300)
    )
    _write(root, "html/script_laden.html", _html_page(scripts + _article_html(13) + scripts).encode("utf-8"))
    c.add_good("html/script_laden.html", "script_laden", kind="<script>-laden page")
    _write(root, "html/scripts_only.html", _html_page(scripts).encode("utf-8"))
    c.add_bad("html/scripts_only.html", kind="page without text")
    _write(root, "html/unclosed_meta.html", (b"<meta " * 10_000) + _html_page(_article_html(14)).encode("utf-8"))
    c.add_good("html/unclosed_meta.html", "unclosed_meta", kind="unclosed tags in <head>")

    # -- binary renamed, empty, NUL ----------------------------------------------------------
    _write(root, "binary/report.html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 50)
    c.add_bad("binary/report.html", kind="PDF renamed .html")
    noise = bytes(rng.randrange(256) for _ in range(2000))
    _write(root, "binary/photo.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + noise)
    c.add_bad("binary/photo.html", kind="PNG renamed .html")
    _write(root, "binary/archive.jsonl", b"PK\x03\x04\x14\x00\x00\x00" + bytes(200))
    c.add_bad("binary/archive.jsonl", kind="ZIP renamed .jsonl")
    _write(root, "binary/nul_padded.txt", article(15).encode("utf-8") + bytes(4096))
    c.add_bad("binary/nul_padded.txt", kind="NUL bytes")
    _write(root, "binary/stray_nul.txt", article(16).encode("utf-8").replace(b" ", b"\x00", 1))
    c.add_good("binary/stray_nul.txt", "stray_nul", kind="NUL bytes")
    for rel in ("empty/empty.txt", "empty/empty.html", "empty/empty.jsonl", "empty/empty.csv", "empty/empty.warc"):
        _write(root, rel, b"")
        c.add_bad(rel, kind="empty file")
    _write(root, "empty/whitespace.txt", b" \n\t\r\n  ")
    c.add_bad("empty/whitespace.txt", kind="empty file")

    # -- line formats -------------------------------------------------------------------
    lines: list[bytes] = []

    def jl(obj: object) -> bytes:
        return json.dumps(obj, ensure_ascii=False).encode("utf-8")

    good_ids = []
    lines.append(jl({"id": "m1", "text": article(20), "published": "2024-05-15", "lang": "fr"}))
    good_ids.append("m1")
    lines.append(b"")  # blank: skipped silently
    lines.append(b'{"id": "m3", "text": "cut')  # truncated JSON
    bad_lines = [3]
    lines.append(jl({"id": "m4", "text": "a"}).replace(b"a", b"a\x00b"))
    bad_lines.append(4)
    lines.append(b'{"id": "m5", "text": "' + article(21).replace("\n", "\\n").encode("utf-8") + b' \\ud83d emoji"}')
    good_ids.append("m5")  # lone surrogate: replaced by U+FFFD
    lines.append(jl({"id": "m6", "text": "   \n "}))
    bad_lines.append(6)
    lines.append(b"[" * 100_000 + b"]" * 100_000)  # RecursionError in json
    bad_lines.append(7)
    lines.append(jl({"id": "m8", "text": "\u200b\u200f"}))
    bad_lines.append(8)
    lines.append(jl({"id": "m9", "text": bidi}))
    good_ids.append("m9")
    lines.append(jl({"id": "m10", "text": AR[0]}).decode("utf-8").encode("cp1256"))  # one legacy line in a UTF-8 feed
    good_ids.append("m10")
    lines.append(jl({"id": 12, "text": article(22)}))
    good_ids.append("12")
    lines.append(jl({"id": "m1", "text": article(23)}))  # duplicate id: kept, renamed
    good_ids.append("m1~2")
    lines.append(jl({"id": "m13", "text": "x" * 1_000_001}))  # over MAX_TEXT_CHARS
    bad_lines.append(13)
    lines.append(jl({"id": "m14", "text": article(24)}))
    good_ids.append("m14")
    _write(root, "feeds/mixed.jsonl", b"\n".join(lines) + b"\n")
    c.add_good("feeds/mixed.jsonl", *good_ids, kind="JSONL with broken lines")
    for n in bad_lines:
        c.add_bad("feeds/mixed.jsonl", n, kind="JSONL with broken lines", count=False)

    huge = jl({"id": "h1", "text": article(25)}) + b"\n"
    huge += b'{"id": "h2", "text": "' + b"y" * (9 * 1024 * 1024) + b'"}\n'
    huge += jl({"id": "h3", "text": article(26)}) + b"\n"
    _write(root, "feeds/huge_line.jsonl", huge)
    c.add_good("feeds/huge_line.jsonl", "h1", "h3", kind="9 MiB JSONL line")
    c.add_bad("feeds/huge_line.jsonl", 2, kind="9 MiB JSONL line", count=False)

    csv_text = (
        "id,text,published\n"
        f'r1,"{FR[3]}",2024-05-15\n'
        'r2,"a\x00b",\n'
        f'r3,"{FR[0]}",2021-02-30\n'
        f'r4,"{FR[1]}\nsur deux lignes",\n'
        "r5,,\n"
        f'r6,"{FR[2]}",\n'
    )
    _write(root, "feeds/rows.csv", csv_text.encode("utf-8"))
    c.add_good("feeds/rows.csv", "r1", "r4", "r6", kind="CSV with broken rows")
    for n in (3, 4, 7):
        c.add_bad("feeds/rows.csv", n, kind="CSV with broken rows", count=False)

    _write(root, "feeds/too_long.txt", ("Une phrase de remplissage. " * 40_000).encode("utf-8"))
    c.add_bad("feeds/too_long.txt", kind="text over the length limit")

    # -- WARC ----------------------------------------------------------------------------
    ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(5)]
    (root / "warc").mkdir(exist_ok=True)
    _warc(
        root / "warc/crawl.warc.gz",
        [
            ("https://news.example.org/a", _html_page(_article_html(30)).encode(), "200 OK",
             "text/html; charset=utf-8", ids[0]),
            ("https://news.example.org/logo.png", b"\x89PNG\r\n\x1a\n", "200 OK", "image/png", ids[1]),
            ("https://news.example.org/gone", b"<html>Not found</html>", "404 Not Found", "text/html", ids[2]),
            ("https://news.example.org/fake", b"%PDF-1.4 binary", "200 OK", "text/html", ids[3]),
            ("https://news.example.org/b", _html_page(_article_html(31, "ar")).encode("cp1256"), "200 OK",
             "text/html; charset=windows-1256", ids[4]),
        ],
        gzip=True,
    )
    c.add_good("warc/crawl.warc.gz", ids[0], ids[4], kind="WARC")
    c.add_bad("warc/crawl.warc.gz", kind="WARC", count=False)  # the PDF payload
    _write(root, "warc/broken.warc", b"WARC/1.0\r\nthis is not a warc record\r\n\r\n" + noise[:500])
    c.add_bad("warc/broken.warc", kind="broken WARC")
    whole = (root / "warc/crawl.warc.gz").read_bytes()
    _write(root, "warc/cut.warc.gz", whole[:-100])  # the file ends inside the last record
    c.add_good("warc/cut.warc.gz", f"{ids[0]}~2", kind="truncated WARC")  # same record as in crawl.warc.gz
    c.add_bad("warc/cut.warc.gz", kind="truncated WARC", count=False)  # the PDF payload
    c.add_bad("warc/cut.warc.gz", kind="truncated WARC", count=False)  # the cut record

    # -- file system oddities -----------------------------------------------------------------
    special = root / "special"
    special.mkdir(exist_ok=True)
    os.mkfifo(special / "pipe.jsonl")
    c.add_bad("special/pipe.jsonl", kind="FIFO")
    os.symlink(root / "nowhere.txt", special / "dangling.txt")
    c.add_bad("special/dangling.txt", kind="broken symlink")
    raw_name = os.fsencode(special) + b"/caf\xe9.txt"  # a Latin-1 file name on a UTF-8 system
    with open(raw_name, "wb") as fh:
        fh.write(article(40).encode("utf-8"))
    c.add_good("special/caf\ufffd.txt", "caf\ufffd", kind="non-UTF-8 file name")

    # -- many tiny files -------------------------------------------------------------------------
    tiny = root / "tiny"
    tiny.mkdir(exist_ok=True)
    for k in range(params["tiny_files"]):
        rel = f"tiny/{k // 1000:03d}/t{k:06d}.txt"
        (root / rel).parent.mkdir(exist_ok=True)
        if k % 97 == 5:
            (root / rel).write_bytes(b"")
            c.add_bad(rel, kind="tiny files")
        else:
            day = date(2000, 1, 1) + timedelta(days=k % 9000)  # spread: linking compares reports of one day
            (root / rel).write_bytes(
                f"Un tir de roquette a visé Bagdad le {day.day} {MONTHS[day.month - 1]} {day.year}. Dépêche {k}.".encode()
            )
            c.add_good(rel, f"t{k:06d}", kind="tiny files")
    return c


def relative(root: Path, file: str) -> str:
    """A path reported by dateline, relative to the corpus root."""
    return Path(file).relative_to(root).as_posix()


def check_run(corpus: Corpus, errors_path: Path, db_path: Path) -> dict:
    """Compare a ``--skip-bad --errors --db`` run with the expectation; a summary with the differences."""
    records = [json.loads(line) for line in errors_path.read_text("utf-8").splitlines()]
    reported = Counter((relative(corpus.root, r["file"]), r["line"]) for r in records)
    no_reason = [r for r in records if not (isinstance(r.get("reason"), str) and r["reason"].strip())]
    con = sqlite3.connect(db_path)
    try:
        stored = [row[0] for row in con.execute("SELECT id FROM documents")]
        sources = Counter(relative(corpus.root, row[0]) for row in con.execute("SELECT source_file FROM documents"))
    finally:
        con.close()
    expected_ids = Counter(corpus.good_ids)
    lost = expected_ids - Counter(stored)
    return {
        "scale": corpus.scale,
        "input_files": corpus.files,
        "kinds": dict(sorted(corpus.kinds.items())),
        "expected_documents": sum(expected_ids.values()),
        "stored_documents": len(stored),
        "lost_documents": sorted(lost.elements()),
        "unexpected_documents": sorted((Counter(stored) - expected_ids).elements()),
        "expected_errors": sum(corpus.bad.values()),
        "reported_errors": len(records),
        "missing_errors": sorted(map(str, (corpus.bad - reported).elements())),
        "unexpected_errors": sorted(map(str, (reported - corpus.bad).elements())),
        "errors_without_reason": len(no_reason),
        "files_with_documents": len(sources),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--scale", choices=sorted(SCALES), default="ci")
    parser.add_argument("--run", action="store_true", help="run `dateline extract` over it and print a summary")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    corpus = build_corpus(args.root / "corpus", args.scale)
    built = time.perf_counter() - t0
    if not args.run:
        print(json.dumps({"root": str(corpus.root), "files": corpus.files, "build_s": round(built, 1)}))
        return 0
    out = args.root / "out"
    out.mkdir(exist_ok=True)
    cmd = [sys.executable, "-m", "dateline.cli", "extract", str(corpus.root), "--skip-bad", "-q",
           "--errors", str(out / "errors.jsonl"), "--out", str(out / "events.jsonl"), "--db", str(out / "store.db")]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    summary = check_run(corpus, out / "errors.jsonl", out / "store.db") if proc.returncode == 0 else {}
    summary.update(
        exit_code=proc.returncode,
        crashes=int(proc.returncode not in (0, 1) or "Traceback" in proc.stderr + proc.stdout),
        run_s=round(time.perf_counter() - t0, 1),
        build_s=round(built, 1),
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        stderr_tail=proc.stderr[-2000:],
    )
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 0 if summary.get("crashes") == 0 and not summary.get("lost_documents") else 1


if __name__ == "__main__":
    sys.exit(main())
