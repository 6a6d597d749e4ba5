"""Input readers: JSONL, plain text, HTML, CSV, WARC, directories and stdin into Documents.

Writes ``Document`` (``id``, ``text``, ``title``, ``published``, ``lang``, ``outlet``,
``url``, ``source_file``, ``source_line``); zoning and language come later
(:func:`dateline.ingest.prepare`).

Every reader is a generator of ``Document | InputError``: a bad record is *yielded*,
not raised, so that one bad line does not end the file and :func:`read_inputs` alone
decides between stopping (default) and skipping (``skip_bad``). Readers stream: a
JSONL, CSV or WARC file is read record by record, never loaded whole.
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
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError

from dateline.errors import DatelineError, EmptyDocumentError, EncodingError, InputError
from dateline.ingest.language import to_iso639_1
from dateline.model import Document

logger = logging.getLogger(__name__)

ReadResult = Document | InputError
Reader = Callable[..., Iterator[ReadResult]]

#: Bytes read up front to refuse binary files and to sniff formats and encodings.
#: 64 KiB holds the magic number, the HTML <head> and enough text for charset-normalizer.
SNIFF_BYTES = 64 * 1024

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

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head)\b",
    re.IGNORECASE | re.DOTALL,
)


# --------------------------------------------------------------------------- decoding


def binary_reason(head: bytes) -> str | None:
    """Why ``head`` (the first bytes of a file) is not text, or ``None`` if it may be."""
    for magic, what in BINARY_MAGIC:
        if head.startswith(magic):
            return f"binary content: {what}"
    if any(head.startswith(bom) for bom, _ in _UNICODE_BOMS):
        return None  # UTF-16/32 text legitimately contains NUL bytes
    if b"\x00" in head:
        return "binary content: NUL bytes"
    return None


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


def decode_bytes(data: bytes, *, file: str, line: int | None = None, declared: str | None = None) -> str:
    """Decode a whole document: BOM, then UTF-8, then a declared charset, then charset-normalizer.

    Raises ``EncodingError`` when nothing decodes the bytes.
    """
    for bom, encoding in _UNICODE_BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise EncodingError(f"invalid {encoding} text: {exc.reason}", file=file, line=line) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
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


class LineDecoder:
    """Decodes the lines of one file, UTF-8 first.

    At the first line that is not UTF-8, charset-normalizer picks an encoding from a
    sample (the file head plus that line) and the rest of the file uses it: a legacy
    encoding is a property of the file, and guessing it line by line would flip between
    look-alike code pages.
    """

    def __init__(self, file: str, head: bytes):
        self.file = file
        self.head = head
        self.encoding = "utf-8"
        self.switched = False

    def decode(self, raw: bytes, line: int) -> str:
        if line == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        if b"\x00" in raw:
            raise EncodingError("binary content: NUL bytes in line", file=self.file, line=line)
        try:
            return raw.decode(self.encoding)
        except UnicodeDecodeError as exc:
            if self.switched:
                raise EncodingError(
                    f"cannot decode line as {self.encoding}: {exc.reason}", file=self.file, line=line
                ) from exc
        self.switched = True
        encoding = _codec(guess_encoding(self.head + b"\n" + raw))
        if encoding is None:
            raise EncodingError("cannot decode line: not UTF-8 and no known encoding fits", file=self.file, line=line)
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise EncodingError(f"cannot decode line: not UTF-8 nor {encoding}", file=self.file, line=line) from exc
        logger.warning("%s:%d: not UTF-8; decoding the rest of the file as %s", self.file, line, encoding)
        self.encoding = encoding
        return text


def _raw_lines(head: bytes, rest: BinaryIO) -> Iterator[bytes]:
    """Lines (with their ``\\n``) of ``head`` followed by the stream it was read from."""
    pending = b""
    for chunk in io.BytesIO(head):
        if chunk.endswith(b"\n"):
            yield pending + chunk
            pending = b""
        else:
            pending += chunk
    for chunk in rest:
        if pending:
            chunk, pending = pending + chunk, b""
        yield chunk
    if pending:
        yield pending


def _unicode_lines(head: bytes, rest: BinaryIO, encoding: str) -> Iterator[bytes]:
    """UTF-16/32 input re-encoded line by line as UTF-8, so the line machinery stays byte-based."""
    stream = io.TextIOWrapper(io.BufferedReader(_Chain(head, rest)), encoding=encoding, newline="")
    for text_line in stream:
        yield text_line.encode("utf-8")


class _Chain(io.RawIOBase):
    """A readable raw stream: ``head`` bytes, then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: BinaryIO):
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _line_source(head: bytes, rest: BinaryIO) -> Iterator[bytes]:
    for bom, encoding in _UNICODE_BOMS:
        if head.startswith(bom):
            return _unicode_lines(head, rest, encoding)
    return _raw_lines(head, rest)


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


def _optional_str(fields: Mapping[str, Any], key: str) -> str | None:
    value = fields.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string or null, got {type(value).__name__}")
    return value.strip() or None


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
    if text_key not in fields or fields[text_key] is None:
        return InputError(f"missing {text_key!r}", file=file, line=line)
    text = fields[text_key]
    if not isinstance(text, str):
        return InputError(f"{text_key!r} must be a string, got {type(text).__name__}", file=file, line=line)
    if not text.strip():
        return EmptyDocumentError(f"document {raw_id!r} has empty text", file=file, line=line)
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
    if not isinstance(obj, dict):
        return InputError(f"JSON line is not an object (got {type(obj).__name__})", file=file, line=line)
    return record_to_document(obj, file=file, line=line)


# --------------------------------------------------------------------------- readers


def _open(path: Path) -> BinaryIO | InputError:
    try:
        return open(path, "rb")
    except OSError as exc:
        return InputError(f"cannot open file: {exc.strerror or exc}", file=str(path))


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
    decoder = LineDecoder(name, head)
    records = 0
    for line_no, raw in enumerate(_line_source(head, stream), start=1):
        try:
            line_text = decoder.decode(raw, line_no)
        except EncodingError as err:
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
        yield from read_jsonl_stream(stream, str(path))


def _read_whole(path: Path) -> bytes | InputError:
    """A single-document file's bytes, refused when empty or binary."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return InputError(f"cannot read file: {exc.strerror or exc}", file=str(path))
    if not data:
        return InputError("empty file: no documents", file=str(path))
    reason = binary_reason(data[:SNIFF_BYTES])
    if reason is None and b"\x00" in data and not any(data.startswith(bom) for bom, _ in _UNICODE_BOMS):
        reason = "binary content: NUL bytes"
    if reason is not None:
        return EncodingError(reason, file=str(path))
    return data


def read_text(path: Path, **_options: Any) -> Iterator[ReadResult]:
    """One document per file; id = file stem; the title is left to zoning."""
    data = _read_whole(path)
    if isinstance(data, InputError):
        yield data
        return
    if _HTML_START.match(data[:SNIFF_BYTES]):
        logger.info("%s: content is HTML; reading it as HTML", path)
        yield from read_html(path)
        return
    try:
        text = decode_bytes(data, file=str(path))
    except EncodingError as err:
        yield err
        return
    if not text.strip():
        yield EmptyDocumentError("file has only whitespace", file=str(path))
        return
    yield Document(id=path.stem, text=text, source_file=str(path))


def _declared_html_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:SNIFF_BYTES])
    return match.group(1).decode("ascii", "replace") if match else None


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
            html,
            url=url,
            include_comments=False,
            favor_precision=True,
            with_metadata=True,
            date_extraction_params=set_date_params(extensive=False),
        )
    except Exception as exc:  # lxml/trafilatura failures on broken markup
        return InputError(f"HTML extraction failed: {exc}", file=source_file, line=source_line)
    text = (result.text or "") if result is not None else ""
    if not text.strip():
        return EmptyDocumentError("no article text found in HTML", file=source_file, line=source_line)
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
    try:
        html = decode_bytes(data, file=str(path), declared=_declared_html_charset(data))
    except EncodingError as err:
        yield err
        return
    yield html_to_document(html, doc_id=path.stem, source_file=str(path))


def _csv_delimiter(header_line: str) -> str:
    counts = [(header_line.count(d), -i, d) for i, d in enumerate(CSV_DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] > 0 else ","


def read_csv(path: Path, *, text_column: str = "text", **_options: Any) -> Iterator[ReadResult]:
    """One document per row after the header; ``source_line`` is the physical line where the row starts.

    Columns ``id``, ``title``, ``published``, ``lang``, ``outlet``, ``url`` are used when
    present; the id defaults to ``<stem>-<row>`` (row 1 = first data row).
    """
    name = str(path)
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
        decoder = LineDecoder(name, head)
        bad_lines: dict[int, EncodingError] = {}

        def text_lines() -> Iterator[str]:
            for line_no, raw in enumerate(_line_source(head, stream), start=1):
                try:
                    yield decoder.decode(raw, line_no)
                except EncodingError as err:
                    bad_lines[line_no] = err
                    yield raw.replace(b"\x00", b"").decode(decoder.encoding, errors="replace")

        lines = text_lines()
        first = next(lines)
        delimiter = "\t" if path.suffix.lower() == ".tsv" else _csv_delimiter(first)
        csv.field_size_limit(2**31 - 1)  # article texts exceed csv's 128 KiB default
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
                yield EncodingError(bad.message, file=name, line=start_line)
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
    from warcio.exceptions import ArchiveLoadFailed

    name = str(path)
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
                payload = record.content_stream().read()
                documents += 1
                source = f"{name}#{uri}" if uri else name
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
        except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
            yield InputError(f"not a readable WARC file: {exc}", file=name)
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
            yield InputError(f"cannot open file: {exc.strerror or exc}", file=str(path))
            return
        fmt = sniff_format(head)
        logger.info("%s: unknown suffix %r; content looks like %s", path, path.suffix, fmt)
    yield from READERS[fmt](path, text_column=text_column)


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def iter_directory_files(root: Path) -> Iterator[Path]:
    """Files under ``root`` with a known suffix, recursively, sorted by relative path; hidden ones skipped."""
    found: list[tuple[tuple[str, ...], Path]] = []
    for dirpath, dirnames, filenames in os.walk(root):
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
    files = 0
    for path in iter_directory_files(root):
        files += 1
        yield from read_file(path, text_column=text_column)
    if files == 0:
        yield InputError("no input files (.jsonl, .txt, .html, .csv, .warc) in directory", file=str(root))


def iter_read_results(paths: Iterable[str | os.PathLike[str]], *, text_column: str = "text") -> Iterator[ReadResult]:
    """Documents and input errors of every path, in order; ``-`` is JSONL on stdin."""
    for item in paths:
        if str(item) == "-":
            yield from read_jsonl_stream(sys.stdin.buffer, "<stdin>")
            continue
        path = Path(item)
        if path.is_dir():
            yield from read_directory(path, text_column=text_column)
        elif path.exists():
            yield from read_file(path, text_column=text_column)
        else:
            yield InputError("no such file or directory", file=str(item))


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
