"""Input readers: JSONL, plain text, HTML, CSV, WARC, directories and stdin into Documents.

Writes ``Document`` (``id``, ``text``, ``title``, ``published``, ``lang``, ``outlet``,
``url``, ``source_file``, ``source_line``); zoning and language come later
(:func:`dateline.ingest.prepare`).

Every reader is a generator of ``Document | InputError``: a bad record is *yielded*,
not raised, so that one bad line does not end the file and :func:`read_inputs` alone
decides between stopping (default) and skipping (``skip_bad``). Readers stream: a
JSONL, CSV or WARC file is read record by record, never loaded whole.

Hostile input is bounded (see docs/robustness.md): a line, a single-document file and
a document's text each have a size limit, past which the input is reported, not read.
A reader never raises: whatever the bytes, it yields documents and typed errors
(``tests/test_robustness.py`` checks this with generated and fuzzed files).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import logging
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError

from dateline.errors import DatelineError, EmptyDocumentError, EncodingError, InputError
from dateline.ingest.language import to_iso639_1
from dateline.ingest.normalize import FORMAT_CHARS
from dateline.model import Document

logger = logging.getLogger(__name__)

ReadResult = Document | InputError
Reader = Callable[..., Iterator[ReadResult]]

#: Bytes read up front to refuse binary files and to sniff formats and encodings.
#: 64 KiB holds the magic number, the HTML <head> and enough text for charset-normalizer.
SNIFF_BYTES = 64 * 1024

#: Limits that keep memory bounded whatever the input (docs/robustness.md).
#: A document's text: 1,000,000 characters is spaCy's default ``max_length`` and 40
#: times the longest article of the evaluation sets (semeval23_fr: 23,306 chars); a
#: longer "document" is a dump or a book, and NER on it needs gigabytes.
MAX_TEXT_CHARS = 1_000_000
#: A single-document file (HTML, text) or WARC payload. A 20 MB single-line HTML page
#: (inline scripts, base64 images) is read (tests/test_robustness.py, slow run); past
#: 64 MiB, parsing the tree alone takes over a gigabyte.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: One line of JSONL or CSV: room for a MAX_TEXT_CHARS text escaped as \uXXXX (6 bytes
#: a character) plus metadata. A longer line is reported and skipped without being held.
MAX_LINE_BYTES = 8 * 1024 * 1024
#: Bytes read at a time from a line-oriented file.
CHUNK_BYTES = 64 * 1024

#: Magic numbers of formats people drop into an input folder by mistake.
BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or docx/xlsx/epub)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x1f\x8b", "gzip-compressed data"),
)

_UNICODE_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: Suffix (lower case) to format. Directories are searched for these only.
SUFFIX_FORMATS: dict[str, str] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".csv": "csv",
    ".tsv": "csv",
    ".warc": "warc",
    ".warc.gz": "warc",
}

#: Optional CSV columns copied into the Document (the text column is an option).
CSV_FIELDS = ("id", "title", "published", "lang", "outlet", "url")
#: Delimiters recognised in a CSV header line, most common first (ties go to the earlier).
CSV_DELIMITERS = (",", ";", "\t", "|")

# [^>]{0,512}, not [^>]+: on a head full of unclosed "<meta" the unbounded form
# backtracks quadratically (2 s on 64 KiB; tests/test_robustness.py).
_META_CHARSET = re.compile(rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head)\b",
    re.IGNORECASE | re.DOTALL,
)


# --------------------------------------------------------------------------- decoding


_CONTROL_RUN = re.compile(r"[\x00-\x1f\x7f-\x9f\s]+")


def one_line(message: object, limit: int = 200) -> str:
    """A third-party exception message as one printable line (warcio quotes raw record bytes)."""
    text = _CONTROL_RUN.sub(" ", str(message)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def display_name(path: str | os.PathLike[str]) -> str:
    """``path`` as printable text: bytes of a non-UTF-8 file name become U+FFFD.

    Python keeps such bytes as lone surrogates (PEP 383), which no UTF-8 writer
    (errors file, store, JSON output) accepts; the name is for people, not for open().
    """
    name = os.fspath(path)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        except UnicodeEncodeError:
            return name.encode("utf-8", "replace").decode("utf-8")
    return name


#: Share of the code units in a BOM-less sample that must have a zero high byte for it
#: to be taken as UTF-16. Arabic text has ASCII only in spaces and punctuation (about
#: one character in six); binary data has NUL bytes in both lanes, not in one.
UTF16_MIN_ZERO_LANE = 0.1
#: ... while the other lane may hold this share of zeros (U+0100, U+0400, U+4E00 ...).
UTF16_MAX_ZERO_OTHER = 0.02
#: ... and the decoded sample may hold this share of control, unassigned, private-use
#: or surrogate characters. Binary read as UTF-16 with a zero lane is mostly U+00xx
#: with a random low byte: a quarter of it are C0/C1 controls.
UTF16_MAX_JUNK = 0.05
_JUNK_CATEGORIES = frozenset({"Cc", "Cn", "Co", "Cs"})


def bomless_utf16(head: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when ``head`` looks like UTF-16 text without a BOM.

    One byte lane full of zeros, the other nearly free of them, and the sample decodes
    to printable text. An odd-length whole file is not UTF-16 (it is truncated or
    binary): callers pass the whole head, and decoding then fails cleanly.
    """
    sample = head[:4096]
    sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) < 8 or b"\x00" not in sample:
        return None
    lanes = (sample[0::2], sample[1::2])
    n = len(lanes[0])
    zeros = [lane.count(0) / n for lane in lanes]
    if zeros[1] >= UTF16_MIN_ZERO_LANE and zeros[0] <= UTF16_MAX_ZERO_OTHER:
        encoding = "utf-16-le"
    elif zeros[0] >= UTF16_MIN_ZERO_LANE and zeros[1] <= UTF16_MAX_ZERO_OTHER:
        encoding = "utf-16-be"
    else:
        return None
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        return None
    junk = sum(1 for c in text if unicodedata.category(c) in _JUNK_CATEGORIES and c not in "\t\n\r\f\v")
    return encoding if junk <= max(2, UTF16_MAX_JUNK * len(text)) else None


#: Text with NUL bytes is binary when they are more than this share of its bytes.
#: Below it they are stray bytes of a damaged text: in JSONL or CSV the line holding
#: one is reported (one corrupt record must not cost the thousands around it); in a
#: single-document file they become U+FFFD. Text never has 1 % NULs; binary formats
#: without a known magic number (and NUL-padded files) have far more.
MAX_NUL_SHARE = 0.01


def binary_reason(head: bytes) -> str | None:
    """Why ``head`` (the first bytes of a file) is not text, or ``None`` if it may be."""
    for magic, what in BINARY_MAGIC:
        if head.startswith(magic):
            return f"binary content: {what}"
    if any(head.startswith(bom) for bom, _ in _UNICODE_BOMS):
        return None  # UTF-16/32 text legitimately contains NUL bytes
    nul = head.count(0)
    if nul <= MAX_NUL_SHARE * len(head) or bomless_utf16(head) is not None:
        return None
    return "binary content: NUL bytes"


#: When charset-normalizer ranks several legacy code pages equally (it cannot tell
#: cp1250 from cp1252 on French text: both decode the accents, in different letters),
#: prefer these, in order. windows-1252 is the WHATWG Encoding Standard's fallback for
#: Western-language pages (https://encoding.spec.whatwg.org, "legacy" locale table).
PREFERRED_LEGACY_ENCODINGS = ("cp1252", "cp1256", "cp1251")


def guess_encoding(data: bytes) -> str | None:
    """charset-normalizer's best encoding, ties broken towards PREFERRED_LEGACY_ENCODINGS."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        return None
    best = matches[0]
    tied = [m for m in matches if m.chaos <= best.chaos and m.coherence >= best.coherence]
    for preferred in PREFERRED_LEGACY_ENCODINGS:
        for match in tied:
            if preferred == match.encoding or preferred in match.could_be_from_charset:
                return preferred
    return best.encoding


def _codec(name: str | None) -> str | None:
    """A Python codec name for a declared charset, or ``None`` if unknown."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        logger.info("ignoring unknown declared charset %r", name)
        return None


#: "Mostly UTF-8": at least this many well-formed multi-byte characters ...
MOSTLY_UTF8_MIN_CHARS = 20
#: ... for each invalid byte. A file in a legacy code page has almost no well-formed
#: UTF-8 sequences (an accented letter is one high byte between ASCII letters), so a
#: UTF-8 file with a few corrupt bytes is told apart from it with a wide margin.
MOSTLY_UTF8_RATIO = 20


def lenient_utf8(data: bytes) -> tuple[str, str] | None:
    """``(text, what)`` for UTF-8 that is cut mid-character or has a few corrupt bytes.

    A file truncated inside a multi-byte character decodes without its last partial
    character; a UTF-8 file with stray bytes decodes with U+FFFD for them. ``None``
    when the bytes are not UTF-8 at all: guessing a legacy encoding for a UTF-8 file
    would garble every accented letter (the truncated file used to come out as cp932).
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end == len(data):
            prefix = data[: exc.start]
            start = 3 if prefix.startswith(codecs.BOM_UTF8) else 0
            dropped = len(data) - exc.start
            return prefix[start:].decode("utf-8"), f"truncated UTF-8: {dropped} byte(s) of a cut character dropped"
    else:
        return None
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", "ignore")) - bad
    if good >= MOSTLY_UTF8_MIN_CHARS and bad * MOSTLY_UTF8_RATIO <= good:
        return text.removeprefix("\ufeff"), f"UTF-8 with {bad} invalid byte sequence(s) replaced by U+FFFD"
    return None


def decode_bytes(data: bytes, *, file: str, line: int | None = None, declared: str | None = None) -> str:
    """Decode a whole document.

    BOM, then UTF-16 without BOM, then UTF-8 (strict, then cut or slightly corrupt),
    then a declared charset, then charset-normalizer. Raises ``EncodingError`` when
    nothing decodes the bytes.
    """
    for bom, encoding in _UNICODE_BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise EncodingError(f"invalid {encoding} text: {exc.reason}", file=file, line=line) from exc
    utf16 = bomless_utf16(data[:SNIFF_BYTES]) if b"\x00" in data[:SNIFF_BYTES] else None
    if utf16 is not None:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError as exc:
            raise EncodingError(f"invalid {utf16} text (no BOM): {exc.reason}", file=file, line=line) from exc
        logger.warning("%s: no BOM; decoded as %s", file, utf16)
        return text
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lenient = lenient_utf8(data)
    if lenient is not None:
        logger.warning("%s: %s", file if line is None else f"{file}:{line}", lenient[1])
        return lenient[0]
    codec = _codec(declared)
    if codec is not None:
        try:
            text = data.decode(codec)
            logger.info("%s: decoded with declared charset %s", file, codec)
            return text
        except UnicodeDecodeError:
            logger.info("%s: declared charset %s does not decode the bytes", file, codec)
    encoding = _codec(guess_encoding(data))
    if encoding is None:
        raise EncodingError("cannot decode bytes: not UTF-8 and no known encoding fits", file=file, line=line)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise EncodingError(f"cannot decode bytes: not UTF-8 nor {encoding}", file=file, line=line) from exc
    logger.warning("%s: not UTF-8; decoded as %s (charset-normalizer)", file, encoding)
    return text


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class LineTooLong:
    """Stands for a line longer than MAX_LINE_BYTES: its bytes were skipped, not held."""

    __slots__ = ("size",)

    def __init__(self, size: int):
        self.size = size


#: What a line source yields: the line's bytes (with their ``\\n``) or a LineTooLong.
RawLine = bytes | LineTooLong

#: Replaces undecodable bytes of a UTF-16/32 stream: U+FFFF is a noncharacter, never
#: legitimate in interchanged text, so a line holding it is reported as undecodable.
_UNDECODABLE = "\uffff"
_UNDECODABLE_UTF8 = _UNDECODABLE.encode("utf-8")
codecs.register_error("dateline-mark", lambda exc: (_UNDECODABLE, exc.end))  # type: ignore[arg-type]


class LineDecoder:
    """Decodes the lines of one file, UTF-8 first.

    At the first line that is not UTF-8, charset-normalizer picks an encoding from a
    sample (the non-UTF-8 lines of the file head, plus that line) and the later
    non-UTF-8 lines use it: a legacy encoding is a property of the file, and guessing
    it line by line would flip between look-alike code pages. The UTF-8 lines stay out
    of the sample: with them, one Windows-1256 line in a UTF-8 feed was guessed as
    hp-roman8 or cp1251. Every line still tries UTF-8 first: a legacy line is almost
    never valid UTF-8, while a UTF-8 file with one bad line must not have the rest of
    its lines decoded as a code page.
    """

    def __init__(self, file: str, head: bytes, *, source_encoding: str | None = None):
        self.file = file
        self.head = head
        self.fallback: str | None = None
        self.switched = False
        #: set when the lines were re-encoded from UTF-16/32 (see ``line_source``)
        self.source_encoding = source_encoding

    @property
    def encoding(self) -> str:
        return self.fallback or "utf-8"

    def decode(self, raw: RawLine, line: int) -> str:
        if isinstance(raw, LineTooLong):
            raise InputError(f"line too long: {raw.size} bytes (limit {MAX_LINE_BYTES})", file=self.file, line=line)
        if line == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        if self.source_encoding is not None and _UNDECODABLE_UTF8 in raw:
            raise EncodingError(f"invalid {self.source_encoding} bytes in line", file=self.file, line=line)
        if b"\x00" in raw:
            raise EncodingError("binary content: NUL bytes in line", file=self.file, line=line)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            utf8_error = exc
        if self.fallback is not None:
            try:
                return raw.decode(self.fallback)
            except UnicodeDecodeError as exc:
                raise EncodingError(
                    f"cannot decode line as UTF-8 nor {self.fallback}: {exc.reason}", file=self.file, line=line
                ) from exc
        lenient = lenient_utf8(raw)
        if lenient is not None:
            logger.warning("%s:%d: %s", self.file, line, lenient[1])
            return lenient[0]
        if self.switched:
            raise EncodingError(
                f"cannot decode line as UTF-8: {utf8_error.reason}", file=self.file, line=line
            ) from utf8_error
        self.switched = True
        legacy = [x for x in self.head.split(b"\n") if not _is_utf8(x)]
        encoding = _codec(guess_encoding(b"\n".join([*legacy, raw])))
        if encoding is None or encoding == "utf-8":
            raise EncodingError("cannot decode line: not UTF-8 and no known encoding fits", file=self.file, line=line)
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise EncodingError(f"cannot decode line: not UTF-8 nor {encoding}", file=self.file, line=line) from exc
        logger.warning("%s:%d: not UTF-8; decoding the file's non-UTF-8 lines as %s", self.file, line, encoding)
        self.fallback = encoding
        return text

    def lenient(self, raw: RawLine) -> str:
        """A bad line as text anyway, for parsers that must keep their place (CSV quoting)."""
        if isinstance(raw, LineTooLong):
            return "\n"
        return raw.replace(b"\x00", b"").decode(self.encoding, errors="replace")


def _chunks(head: bytes, rest: BinaryIO) -> Iterator[bytes]:
    if head:
        yield head
    while True:
        chunk = rest.read(CHUNK_BYTES)
        if not chunk:
            return
        yield chunk


def _split_lines(chunks: Iterable[bytes], limit: int = MAX_LINE_BYTES) -> Iterator[RawLine]:
    """Lines (with their ``\\n``) of a byte stream; a line over ``limit`` bytes becomes a LineTooLong."""
    pending: list[bytes] = []
    size = 0
    too_long = False
    for chunk in chunks:
        start = 0
        while True:
            nl = chunk.find(b"\n", start)
            piece = chunk[start:] if nl < 0 else chunk[start : nl + 1]
            size += len(piece)
            if size > limit:
                too_long = True
                pending = []
            elif piece:
                pending.append(piece)
            if nl < 0:
                break
            yield LineTooLong(size) if too_long else b"".join(pending)
            pending, size, too_long = [], 0, False
            start = nl + 1
    if too_long:
        yield LineTooLong(size)
    elif size:
        yield b"".join(pending)


def _unicode_lines(head: bytes, rest: BinaryIO, encoding: str) -> Iterator[RawLine]:
    """UTF-16/32 input re-encoded line by line as UTF-8, so the line machinery stays byte-based.

    Undecodable code units become U+FFFF, which LineDecoder reports for their line; a
    stream cut inside a code unit marks its last line.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="dateline-mark")

    def utf8_chunks() -> Iterator[bytes]:
        for chunk in _chunks(head, rest):
            yield decoder.decode(chunk).encode("utf-8", "surrogatepass")
        yield decoder.decode(b"", final=True).encode("utf-8", "surrogatepass")

    # MAX_LINE_BYTES applies to the UTF-8 form: at most 1.5 times the UTF-16 size
    yield from _split_lines(utf8_chunks())


def line_source(head: bytes, rest: BinaryIO, name: str) -> tuple[Iterator[RawLine], str | None]:
    """The lines of ``head`` + ``rest`` as UTF-8-or-legacy bytes, and the Unicode encoding they came from."""
    for bom, encoding in _UNICODE_BOMS:
        if head.startswith(bom):
            return _unicode_lines(head, rest, encoding), encoding
    utf16 = bomless_utf16(head) if b"\x00" in head else None
    if utf16 is not None:
        logger.warning("%s: no BOM; reading the lines as %s", name, utf16)
        return _unicode_lines(head, rest, utf16), utf16
    return _split_lines(_chunks(head, rest)), None


# --------------------------------------------------------------------------- records


def parse_published(value: Any) -> date | None:
    """``YYYY-MM-DD`` or an ISO datetime (its calendar date as written) or null/empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValueError(f"'published' must be a 'YYYY-MM-DD' string or null, got {type(value).__name__}")
    v = value.strip()
    try:
        if len(v) == 10:
            return date.fromisoformat(v)
        return datetime.fromisoformat(v).date()
    except ValueError:
        raise ValueError(f"'published' is not a date: {value!r} (expected YYYY-MM-DD or an ISO datetime)") from None


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub_surrogates(value: str, *, what: str = "text", file: str | None = None, line: int | None = None) -> str:
    """``value`` with lone surrogates replaced by U+FFFD, one for one (offsets unchanged).

    JSON may escape half of a UTF-16 pair ("\\ud83d" from a JavaScript substring cut
    through an emoji). Python decodes it to a lone surrogate that no UTF-8 writer
    accepts, so the document would crash the store or the output file much later.
    """
    if _LONE_SURROGATE.search(value) is None:
        return value
    where = file if line is None else f"{file}:{line}"
    logger.warning("%s: %s has unpaired UTF-16 surrogates; replaced by U+FFFD", where, what)
    return _LONE_SURROGATE.sub("\ufffd", value)


_VISIBLE = re.compile("[^\\s" + "".join(sorted(FORMAT_CHARS)) + "]")


def has_visible_text(text: str) -> bool:
    """Whether ``text`` has a character that is neither whitespace nor a bidi/zero-width mark."""
    return _VISIBLE.search(text) is not None


def text_too_long(text: str, *, file: str, line: int | None = None) -> InputError | None:
    """The error for a text over MAX_TEXT_CHARS, else ``None``."""
    if len(text) <= MAX_TEXT_CHARS:
        return None
    return InputError(
        f"document text too long: {len(text):,} characters (limit {MAX_TEXT_CHARS:,}); split it into articles",
        file=file,
        line=line,
    )


def _optional_str(fields: Mapping[str, Any], key: str) -> str | None:
    value = fields.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string or null, got {type(value).__name__}")
    return scrub_surrogates(value, what=repr(key)).strip() or None


def record_to_document(
    fields: Mapping[str, Any], *, file: str, line: int | None, text_key: str = "text", default_id: str | None = None
) -> ReadResult:
    """A Document from a JSONL object or CSV row, or the InputError that says what is wrong."""
    raw_id = fields.get("id")
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
        if default_id is None:
            return InputError("missing 'id'", file=file, line=line)
        raw_id = default_id
    if not isinstance(raw_id, str):
        return InputError(f"'id' must be a string, got {type(raw_id).__name__}", file=file, line=line)
    raw_id = scrub_surrogates(raw_id, what="'id'", file=file, line=line)
    if text_key not in fields or fields[text_key] is None:
        return InputError(f"missing {text_key!r}", file=file, line=line)
    text = fields[text_key]
    if not isinstance(text, str):
        return InputError(f"{text_key!r} must be a string, got {type(text).__name__}", file=file, line=line)
    if not has_visible_text(text):
        return EmptyDocumentError(f"document {raw_id!r} has empty text", file=file, line=line)
    too_long = text_too_long(text, file=file, line=line)
    if too_long is not None:
        return too_long
    text = scrub_surrogates(text, file=file, line=line)
    try:
        doc = Document(
            id=raw_id.strip(),
            text=text,
            title=_optional_str(fields, "title"),
            published=parse_published(fields.get("published")),
            lang=to_iso639_1(_optional_str(fields, "lang")),
            outlet=_optional_str(fields, "outlet"),
            url=_optional_str(fields, "url"),
            source_file=file,
            source_line=line,
        )
    except ValueError as exc:  # includes pydantic's ValidationError
        message = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        return InputError(message, file=file, line=line)
    return doc


def parse_jsonl_line(line_text: str, *, file: str, line: int) -> ReadResult:
    try:
        obj = json.loads(line_text)
    except json.JSONDecodeError as exc:
        return InputError(f"invalid JSON: {exc.msg} (column {exc.colno})", file=file, line=line)
    except RecursionError:  # [[[[... thousands deep
        return InputError("invalid JSON: nested too deeply", file=file, line=line)
    if not isinstance(obj, dict):
        return InputError(f"JSON line is not an object (got {type(obj).__name__})", file=file, line=line)
    return record_to_document(obj, file=file, line=line)


# --------------------------------------------------------------------------- readers


def _open(path: Path) -> BinaryIO | InputError:
    try:
        return open(path, "rb")
    except OSError as exc:
        return InputError(f"cannot open file: {exc.strerror or exc}", file=display_name(path))


def read_jsonl_stream(stream: BinaryIO, name: str) -> Iterator[ReadResult]:
    """JSONL from a binary stream (a file or stdin); ``source_line`` is the 1-based line."""
    head = stream.read(SNIFF_BYTES)
    if not head:
        yield InputError("empty file: no documents", file=name)
        return
    reason = binary_reason(head)
    if reason is not None:
        yield EncodingError(reason, file=name)
        return
    lines, source_encoding = line_source(head, stream, name)
    decoder = LineDecoder(name, head, source_encoding=source_encoding)
    records = 0
    for line_no, raw in enumerate(lines, start=1):
        try:
            line_text = decoder.decode(raw, line_no)
        except InputError as err:
            records += 1
            yield err
            continue
        if not line_text.strip():
            logger.debug("%s:%d: blank line skipped", name, line_no)
            continue
        records += 1
        yield parse_jsonl_line(line_text, file=name, line=line_no)
    if records == 0:
        yield InputError("no documents: only blank lines", file=name)


def read_jsonl(path: Path, **_options: Any) -> Iterator[ReadResult]:
    stream = _open(path)
    if isinstance(stream, InputError):
        yield stream
        return
    with stream:
        yield from read_jsonl_stream(stream, display_name(path))


def _read_whole(path: Path) -> bytes | InputError:
    """A single-document file's bytes, refused when empty, binary or over MAX_FILE_BYTES."""
    name = display_name(path)
    try:
        with open(path, "rb") as fh:
            info = os.fstat(fh.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > MAX_FILE_BYTES:
                return InputError(f"file too large: {info.st_size:,} bytes (limit {MAX_FILE_BYTES:,})", file=name)
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return InputError(f"cannot read file: {exc.strerror or exc}", file=name)
    if len(data) > MAX_FILE_BYTES:  # grew while being read
        return InputError(f"file too large: over {MAX_FILE_BYTES:,} bytes", file=name)
    if not data:
        return InputError("empty file: no documents", file=name)
    reason = binary_reason(data[:SNIFF_BYTES])
    if reason is None and len(data) > SNIFF_BYTES:
        reason = binary_reason(data)  # NULs past the head count too
    if reason is not None:
        return EncodingError(reason, file=name)
    return data


def read_text(path: Path, **_options: Any) -> Iterator[ReadResult]:
    """One document per file; id = file stem; the title is left to zoning."""
    data = _read_whole(path)
    if isinstance(data, InputError):
        yield data
        return
    name = display_name(path)
    if _HTML_START.match(data[:SNIFF_BYTES]):
        logger.info("%s: content is HTML; reading it as HTML", name)
        yield from read_html(path)
        return
    try:
        text = decode_bytes(data, file=name)
    except EncodingError as err:
        yield err
        return
    if "\x00" in text:
        logger.warning("%s: %d stray NUL byte(s) replaced by U+FFFD", name, text.count("\x00"))
        text = text.replace("\x00", "\ufffd")
    if not has_visible_text(text):
        yield EmptyDocumentError("file has no visible text (only whitespace or invisible marks)", file=name)
        return
    too_long = text_too_long(text, file=name)
    if too_long is not None:
        yield too_long
        return
    yield Document(id=display_name(path.stem), text=text, source_file=name)


def _declared_html_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:SNIFF_BYTES])
    return match.group(1).decode("ascii", "replace") if match else None


#: libxml2 (under lxml, under trafilatura) stops building the tree 256 elements deep
#: and drops everything below: a page of 5,000 nested <div> came out with no text.
#: Container tags nested deeper than this are removed before parsing (their content
#: stays), which leaves the parser room for <html>, <body> and inline markup.
MAX_HTML_DEPTH = 180
#: Elements that only group content; dropping one moves its content into its parent.
_CONTAINER_TAGS = (
    "div|span|section|article|main|aside|header|footer|nav|table|tbody|thead|tfoot|tr|td|th|font|center|"
    "blockquote|ul|ol|li|dl|dt|dd|b|i|u|s|em|strong|small|big|sub|sup|a|form|fieldset|figure|label|q|cite"
)
_CONTAINER_TAG = re.compile(
    r"<!--.*?(?:-->|\Z)|<(script|style)\b.*?(?:</\1\s*>|\Z)|<(/?)(" + _CONTAINER_TAGS + r")\b[^>]*>",
    re.IGNORECASE | re.DOTALL,
)


def flatten_deep_nesting(html: str, max_depth: int = MAX_HTML_DEPTH) -> str:
    """``html`` with container tags below ``max_depth`` levels removed; unchanged if none is.

    Depth counts container tags only (opened minus closed, comments, scripts and styles
    skipped); the estimate needs no parse, so a page cut or malformed anywhere still works.
    """
    depth = deepest = 0
    for m in _CONTAINER_TAG.finditer(html):
        if m.group(3) is None:
            continue
        if m.group(2):
            depth = max(0, depth - 1)
        elif not m.group(0).endswith("/>"):
            depth += 1
            deepest = max(deepest, depth)
    if deepest <= max_depth:
        return html
    depth = 0

    def keep_shallow(m: re.Match[str]) -> str:
        nonlocal depth
        if m.group(3) is None:
            return m.group(0)
        if m.group(2):
            depth = max(0, depth - 1)
            return m.group(0) if depth < max_depth else ""
        if m.group(0).endswith("/>"):
            return m.group(0)
        depth += 1
        return m.group(0) if depth <= max_depth else ""

    logger.info("HTML nested %d containers deep; flattening below %d", deepest, max_depth)
    return _CONTAINER_TAG.sub(keep_shallow, html)


def html_to_document(
    html: str,
    *,
    doc_id: str,
    source_file: str,
    source_line: int | None = None,
    url: str | None = None,
    fallback_published: date | None = None,
) -> ReadResult:
    """Main text and metadata of an HTML page (trafilatura, precision first).

    ``Document.text`` is trafilatura's extracted text, so offsets index that text, not
    the HTML. Comments are excluded. The date comes from page metadata only (htmldate
    without extensive search): a date picked from the body is usually an event date,
    a wrong anchor for relative dates; ``fallback_published`` (e.g. WARC-Date) is next.
    """
    import trafilatura
    from trafilatura.settings import set_date_params

    try:
        result = trafilatura.bare_extraction(
            flatten_deep_nesting(html),
            url=url,
            include_comments=False,
            favor_precision=True,
            with_metadata=True,
            date_extraction_params=set_date_params(extensive=False),
        )
    except Exception as exc:  # lxml/trafilatura failures on broken markup
        return InputError(f"HTML extraction failed: {one_line(exc)}", file=source_file, line=source_line)
    text = (result.text or "") if result is not None else ""
    if not has_visible_text(text):
        return EmptyDocumentError("no article text found in HTML", file=source_file, line=source_line)
    too_long = text_too_long(text, file=source_file, line=source_line)
    if too_long is not None:
        return too_long
    published = fallback_published
    if result.date:
        try:
            published = date.fromisoformat(result.date[:10])
        except ValueError:
            logger.info("%s: ignoring unparsable page date %r", source_file, result.date)
    return Document(
        id=doc_id,
        text=text,
        title=(result.title or "").strip() or None,
        published=published,
        lang=to_iso639_1(getattr(result, "language", None)),
        url=result.url or url,
        outlet=(getattr(result, "sitename", None) or "").strip() or None,
        source_file=source_file,
        source_line=source_line,
    )


def read_html(path: Path, **_options: Any) -> Iterator[ReadResult]:
    """One document per HTML file; id = file stem; url from the canonical link."""
    data = _read_whole(path)
    if isinstance(data, InputError):
        yield data
        return
    name = display_name(path)
    try:
        html = decode_bytes(data, file=name, declared=_declared_html_charset(data))
    except EncodingError as err:
        yield err
        return
    yield html_to_document(html, doc_id=display_name(path.stem), source_file=name)


def _csv_delimiter(header_line: str) -> str:
    counts = [(header_line.count(d), -i, d) for i, d in enumerate(CSV_DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] > 0 else ","


def read_csv(path: Path, *, text_column: str = "text", **_options: Any) -> Iterator[ReadResult]:
    """One document per row after the header; ``source_line`` is the physical line where the row starts.

    Columns ``id``, ``title``, ``published``, ``lang``, ``outlet``, ``url`` are used when
    present; the id defaults to ``<stem>-<row>`` (row 1 = first data row).
    """
    name = display_name(path)
    stream = _open(path)
    if isinstance(stream, InputError):
        yield stream
        return
    with stream:
        head = stream.read(SNIFF_BYTES)
        if not head.strip():
            yield InputError("empty file: no header and no rows", file=name)
            return
        reason = binary_reason(head)
        if reason is not None:
            yield EncodingError(reason, file=name)
            return
        raw_lines, source_encoding = line_source(head, stream, name)
        decoder = LineDecoder(name, head, source_encoding=source_encoding)
        bad_lines: dict[int, InputError] = {}

        def text_lines() -> Iterator[str]:
            for line_no, raw in enumerate(raw_lines, start=1):
                try:
                    yield decoder.decode(raw, line_no)
                except InputError as err:
                    bad_lines[line_no] = err
                    yield decoder.lenient(raw)

        lines = text_lines()
        first = next(lines, "")
        delimiter = "\t" if path.suffix.lower() == ".tsv" else _csv_delimiter(first)
        # article texts exceed csv's 128 KiB default; the bound keeps an unclosed quote
        # from gathering the rest of a huge file into one field
        csv.field_size_limit(MAX_LINE_BYTES)
        reader = csv.reader(_prepend(first, lines), delimiter=delimiter)
        try:
            header = [h.strip().lstrip("\ufeff") for h in next(reader)]
        except (StopIteration, csv.Error) as exc:
            yield InputError(f"cannot read CSV header: {exc}", file=name, line=1)
            return
        if text_column not in header:
            yield InputError(
                f"no {text_column!r} column in CSV header (columns: {', '.join(header)})", file=name, line=1
            )
            return
        columns = {key: header.index(key) for key in (*CSV_FIELDS, text_column) if key in header}
        row_no = 0
        last_line = reader.line_num
        while True:
            start_line = last_line + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield InputError(f"malformed CSV: {exc}", file=name, line=start_line)
                return
            last_line = reader.line_num
            if not row or not any(cell.strip() for cell in row):
                logger.debug("%s:%d: blank CSV row skipped", name, start_line)
                continue
            row_no += 1
            bad = next((bad_lines[n] for n in range(start_line, last_line + 1) if n in bad_lines), None)
            if bad is not None:
                yield type(bad)(bad.message, file=name, line=start_line)
                continue
            if len(row) < len(header):
                yield InputError(f"row has {len(row)} fields, header has {len(header)}", file=name, line=start_line)
                continue
            fields = {key: (row[i] if row[i] != "" else None) for key, i in columns.items()}
            yield record_to_document(
                fields, file=name, line=start_line, text_key=text_column, default_id=f"{path.stem}-{row_no}"
            )
        if row_no == 0:
            yield InputError("no documents: CSV has a header but no rows", file=name)


def _prepend(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _warc_record_id(record: Any, uri: str | None) -> str:
    record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
    match = re.search(r"urn:uuid:([0-9a-fA-F-]+)", record_id)
    if match:
        return match.group(1).lower()
    if record_id.strip("<> "):
        return record_id.strip("<> ")
    return hashlib.sha1((uri or "").encode("utf-8")).hexdigest()[:16]


def _http_charset(content_type: str) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def read_warc(path: Path, **_options: Any) -> Iterator[ReadResult]:
    """One document per HTTP 200 ``response`` record with an HTML payload.

    id = the record's UUID (else a hash of the target URI); url = WARC-Target-URI;
    published from page metadata, else the WARC-Date (capture day).
    """
    from warcio.archiveiterator import ArchiveIterator

    name = display_name(path)
    stream = _open(path)
    if isinstance(stream, InputError):
        yield stream
        return
    documents = 0
    with stream:
        head = stream.read(SNIFF_BYTES)
        if not head:
            yield InputError("empty file: no WARC records", file=name)
            return
        stream.seek(0)
        try:
            archive = ArchiveIterator(stream)
            for record in archive:
                if record.rec_type != "response":
                    logger.debug("%s: skipping %s record", name, record.rec_type)
                    continue
                uri = record.rec_headers.get_header("WARC-Target-URI")
                if record.http_headers is None:
                    logger.info("%s: skipping %s (offset %s): no HTTP headers", name, uri, archive.get_record_offset())
                    continue
                content_type = record.http_headers.get_header("Content-Type") or ""
                if "html" not in content_type.lower():
                    logger.info("%s: skipping %s: content type %r is not HTML", name, uri, content_type)
                    continue
                status = record.http_headers.get_statuscode()
                if status != "200":
                    logger.info("%s: skipping %s: HTTP status %s", name, uri, status)
                    continue
                payload = record.content_stream().read(MAX_FILE_BYTES + 1)
                documents += 1
                source = f"{name}#{uri}" if uri else name
                if len(payload) > MAX_FILE_BYTES:
                    yield InputError(f"HTML payload over {MAX_FILE_BYTES:,} bytes for {uri}", file=name)
                    continue
                missing = getattr(record.raw_stream, "limit", 0)
                if isinstance(missing, int) and missing > 0:
                    # warcio hands out a record cut by the end of the file as if whole
                    yield InputError(f"truncated WARC record for {uri}: {missing} byte(s) missing", file=name)
                    continue
                if not payload.strip():
                    yield EmptyDocumentError(f"empty HTML payload for {uri}", file=name)
                    continue
                reason = binary_reason(payload[:SNIFF_BYTES])
                if reason is not None:
                    yield EncodingError(f"{reason} for {uri}", file=name)
                    continue
                try:
                    html = decode_bytes(
                        payload, file=name, declared=_http_charset(content_type) or _declared_html_charset(payload)
                    )
                except EncodingError as err:
                    yield err
                    continue
                capture_day = None
                warc_date = record.rec_headers.get_header("WARC-Date")
                if warc_date:
                    try:
                        capture_day = datetime.fromisoformat(warc_date.replace("Z", "+00:00")).date()
                    except ValueError:
                        logger.info("%s: ignoring unparsable WARC-Date %r", name, warc_date)
                result = html_to_document(
                    html,
                    doc_id=_warc_record_id(record, uri),
                    source_file=name,
                    url=uri,
                    fallback_published=capture_day,
                )
                if isinstance(result, DatelineError):
                    result.message = f"{result.message} ({source})"
                elif uri:
                    result = result.model_copy(update={"url": uri})
                yield result
        except Exception as exc:  # warcio on hostile bytes: ArchiveLoadFailed, zlib.error, EOFError, ...
            logger.debug("%s: WARC parsing failed", name, exc_info=True)
            yield InputError(f"not a readable WARC file: {type(exc).__name__}: {one_line(exc)}", file=name)
            return
    if documents == 0:
        yield InputError("no documents: no HTML response records in WARC", file=name)


READERS: dict[str, Reader] = {
    "jsonl": read_jsonl,
    "text": read_text,
    "html": read_html,
    "csv": read_csv,
    "warc": read_warc,
}


# --------------------------------------------------------------------------- dispatch


def format_for_suffix(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(".warc.gz"):
        return "warc"
    return SUFFIX_FORMATS.get(path.suffix.lower())


def sniff_format(head: bytes) -> str:
    """Format of a file with no known suffix, from its first bytes."""
    if head.startswith(b"\x1f\x8b"):
        import gzip

        try:
            with gzip.GzipFile(fileobj=io.BytesIO(head)) as gz:
                if gz.read(5) == b"WARC/":
                    return "warc"
        except (OSError, EOFError):
            logger.debug("gzip head does not decompress to a WARC")
        return "text"  # refused as binary (gzip) by the text reader
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if stripped.startswith(b"WARC/"):
        return "warc"
    if stripped.startswith(b"{"):
        return "jsonl"
    if _HTML_START.match(head):
        return "html"
    return "text"


def read_file(path: Path, *, text_column: str = "text") -> Iterator[ReadResult]:
    """Read one file, dispatched on suffix, else on sniffed content."""
    fmt = format_for_suffix(path)
    if fmt is None:
        try:
            with open(path, "rb") as fh:
                head = fh.read(SNIFF_BYTES)
        except OSError as exc:
            yield InputError(f"cannot open file: {exc.strerror or exc}", file=display_name(path))
            return
        fmt = sniff_format(head)
        logger.info("%s: unknown suffix %r; content looks like %s", display_name(path), path.suffix, fmt)
    yield from READERS[fmt](path, text_column=text_column)


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def iter_directory_files(root: Path, errors: list[InputError] | None = None) -> Iterator[Path]:
    """Files under ``root`` with a known suffix, recursively, sorted by relative path; hidden ones skipped.

    Subdirectories that cannot be listed are appended to ``errors`` (``os.walk`` would
    skip them silently: a month of crawl in an unreadable folder would just be missing).
    """

    def unreadable(exc: OSError) -> None:
        where = display_name(exc.filename if exc.filename is not None else root)
        logger.warning("%s: cannot list directory: %s", where, exc.strerror or exc)
        if errors is not None:
            errors.append(InputError(f"cannot list directory: {exc.strerror or exc}", file=where))

    found: list[tuple[tuple[str, ...], Path]] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
        hidden_dirs = [d for d in dirnames if _is_hidden(d)]
        for d in hidden_dirs:
            logger.info("skipping hidden directory %s", Path(dirpath) / d)
        dirnames[:] = sorted(d for d in dirnames if not _is_hidden(d))
        for filename in filenames:
            path = Path(dirpath) / filename
            if _is_hidden(filename):
                logger.info("skipping hidden file %s", path)
                continue
            if format_for_suffix(path) is None:
                logger.info("skipping %s: unknown suffix %r", path, path.suffix)
                continue
            found.append((path.relative_to(root).parts, path))
    for _parts, path in sorted(found):
        yield path


def read_directory(root: Path, *, text_column: str = "text") -> Iterator[ReadResult]:
    """Every input file under ``root``; special files (FIFOs, sockets, broken links) are reported, not opened."""
    files = 0
    walk_errors: list[InputError] = []
    for path in iter_directory_files(root, walk_errors):
        files += 1
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            yield InputError(f"cannot open file: {exc.strerror or exc}", file=display_name(path))
            continue
        if not stat.S_ISREG(mode):
            yield InputError("not a regular file (a FIFO, socket or device)", file=display_name(path))
            continue
        yield from read_file(path, text_column=text_column)
    yield from walk_errors
    if files == 0 and not walk_errors:
        yield InputError("no input files (.jsonl, .txt, .html, .csv, .warc) in directory", file=display_name(root))


def iter_read_results(paths: Iterable[str | os.PathLike[str]], *, text_column: str = "text",
                      stdin: BinaryIO | None = None) -> Iterator[ReadResult]:
    """Documents and input errors of every path, in order; ``-`` is JSONL on stdin.

    ``stdin`` replaces ``sys.stdin.buffer``: a two-pass reader (validate, then stream;
    ``dateline.scale.stream``) spools standard input to a file and reads it twice.
    """
    for item in paths:
        if str(item) == "-":
            yield from read_jsonl_stream(stdin if stdin is not None else sys.stdin.buffer, "<stdin>")
            continue
        path = Path(item)
        if path.is_dir():
            yield from read_directory(path, text_column=text_column)
        elif path.exists():
            yield from read_file(path, text_column=text_column)
        else:
            yield InputError("no such file or directory", file=display_name(item))


def unique_ids(docs: Iterable[Document]) -> Iterator[Document]:
    """Keep documents with a repeated id, renaming the later ones ``id~2``, ``id~3`` (logged)."""
    seen: dict[str, int] = {}
    for doc in docs:
        if doc.id not in seen:
            seen[doc.id] = 1
            yield doc
            continue
        n = seen[doc.id]
        new_id = doc.id
        while new_id in seen:
            n += 1
            new_id = f"{doc.id}~{n}"
        seen[doc.id] = n
        seen[new_id] = 1
        logger.warning("%s:%s: duplicate document id %r renamed %r", doc.source_file, doc.source_line, doc.id, new_id)
        yield doc.model_copy(update={"id": new_id})


def read_inputs(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    text_column: str = "text",
    skip_bad: bool = False,
    on_error: Callable[[DatelineError], None] | None = None,
) -> Iterator[Document]:
    """Documents from files, directories, WARC archives and ``-`` (stdin JSONL), streamed.

    With ``skip_bad=False`` the first bad input raises its typed error (``InputError``
    and subclasses, naming file and line). With ``skip_bad=True`` each bad input is
    logged, passed to ``on_error`` and skipped.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]

    def good_documents() -> Iterator[Document]:
        for result in iter_read_results(paths, text_column=text_column):
            if isinstance(result, DatelineError):
                if not skip_bad:
                    raise result
                logger.warning("skipping bad input: %s", result)
                if on_error is not None:
                    on_error(result)
                continue
            yield result

    yield from unique_ids(good_documents())
