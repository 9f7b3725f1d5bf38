"""Reading CSV files people upload: whatever spreadsheet or shop wrote them.

Generic, for every app that takes a CSV (the catalog's product imports, the brand's past copy):
the encoding (UTF-8 with or without BOM, UTF-16, Windows-1252), refusing binary files with a
message that says what they are, the delimiter, header names compared loosely, guessing which
column holds what, and one streaming pass that copies the file as UTF-8 while it numbers its
records and notes where each one lies in the copy. Nothing here knows products or Shopify.

Every refusal is a :class:`CsvFileError` whose message names the file (and the row) for the
person who uploaded it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t"

csv.field_size_limit(16 * 1024 * 1024)  # a product description can be long


class CsvFileError(ValueError):
    """The file as a whole cannot be read; the message says why, for the person."""


# --- encoding, binary files, delimiters ----------------------------------------------------------

_BINARY_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive or an Excel workbook (.xlsx): save it as CSV first",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls): save it as CSV first",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
}


def detect_encoding(sample: bytes, *, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 (with or without BOM) or Windows-1252."""
    for signature, what in _BINARY_SIGNATURES.items():
        if sample.startswith(signature):
            raise CsvFileError(f"“{name}” is not a CSV file: it looks like {what}.")
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    nul = sample.count(b"\x00")
    if nul > len(sample) // 4:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if odd > 4 * max(even, 1):
            return "utf-16-le"
        if even > 4 * max(odd, 1):
            return "utf-16-be"
    if nul:
        raise CsvFileError(f"“{name}” is a binary file, not a CSV text file.")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError:
        raise CsvFileError(
            f"“{name}” is not readable as text (UTF-8, UTF-16 or Windows-1252)."
        ) from None
    return "cp1252"


def check_text(text: str, *, name: str) -> None:
    """Refuse decoded text that is mostly control characters: a binary file in disguise."""
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t")
    if "\x00" in text or controls > max(8, len(text) // 100):
        raise CsvFileError(f"“{name}” is a binary file, not a CSV text file.")


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab, from the first lines (the header's most frequent when unsure)."""
    first_lines = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(first_lines, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = text.splitlines()[0] if text else ""
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


# --- header names --------------------------------------------------------------------------------


def normalise_header(header: str) -> str:
    """A header as compared with known names: no BOM, single spaces, lower case."""
    return re.sub(r"\s+", " ", header.strip().lstrip("\ufeff")).lower()


def find_column(headers: Sequence[str], names: Sequence[str]) -> str | None:
    """The file's own spelling of the first of ``names`` (normalised) it has, or None."""
    present = {normalise_header(h): h for h in headers}
    for name in names:
        if name in present:
            return present[name]
    return None


def guess_columns(
    headers: Sequence[str],
    guesses: Mapping[str, Sequence[str]],
    remembered: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """field -> header: the ``remembered`` mapping where the file has those columns, then for
    each other field (in ``guesses`` order) the first of its usual names the file has and no
    field took yet."""
    present = {normalise_header(h): h for h in headers}
    mapping: dict[str, str] = {}
    for field_name, header in (remembered or {}).items():
        if header and normalise_header(header) in present:
            mapping[field_name] = present[normalise_header(header)]
    for field_name, names in guesses.items():
        if field_name in mapping:
            continue
        for name in names:
            if name in present and present[name] not in mapping.values():
                mapping[field_name] = present[name]
                break
    return mapping


# --- streaming: one pass that copies as UTF-8 and numbers the records ---------------------------


@dataclass(frozen=True)
class Record:
    """One CSV record (which may span lines): its number (the header is 1), its cells, and
    the byte range ``[start, end)`` it takes in the UTF-8 text."""

    number: int
    cells: list[str]
    start: int
    end: int

    @property
    def blank(self) -> bool:
        return not any(cell.strip() for cell in self.cells)


@dataclass
class CsvReading:
    encoding: str  # as detected in the original file
    delimiter: str
    headers: list[str]
    records: Iterator[Record]


def check_width(count: int, *, name: str, max_columns: int, row_number: int | None = None) -> None:
    if count > max_columns:
        where = "Its header has" if row_number is None else f"Row {row_number} has"
        raise CsvFileError(
            f"“{name}” is too wide to import: {where} {count:,} columns; at most "
            f"{max_columns:,} are accepted. Remove the columns you do not need (or export fewer "
            "fields) and upload it again."
        )


def read_records(
    text: IO[str],
    *,
    name: str,
    delimiter: str,
    max_columns: int,
    copy_to: IO[str] | None = None,
) -> tuple[list[str], Iterator[Record]]:
    """The header and the numbered records of ``text`` (copied line by line to ``copy_to``
    as they are read). Byte offsets count the text encoded as UTF-8."""
    position = [0]

    def lines() -> Iterator[str]:
        for line in text:
            position[0] += len(line.encode("utf-8"))
            if copy_to is not None:
                copy_to.write(line)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        raise CsvFileError(f"“{name}” is empty.") from None
    except csv.Error as error:
        raise CsvFileError(f"“{name}” could not be read at row 1: {error}.") from None
    check_width(len(headers), name=name, max_columns=max_columns)
    headers = [h.lstrip("\ufeff") for h in headers]

    def records() -> Iterator[Record]:
        number, start = 1, position[0]
        try:
            for cells in reader:
                number += 1
                end = position[0]
                if len(cells) > max_columns:
                    check_width(len(cells), name=name, max_columns=max_columns, row_number=number)
                yield Record(number, cells, start, end)
                start = end
        except csv.Error as error:
            raise CsvFileError(
                f"“{name}” could not be read at row {number + 1}: {error}."
            ) from None
        except UnicodeDecodeError:
            raise CsvFileError(
                f"“{name}” changes encoding near row {number + 1}; save it as UTF-8 and try again."
            ) from None

    return headers, records()


@contextmanager
def transcoding(
    source: IO[bytes], target: IO[bytes], *, name: str, max_columns: int
) -> Iterator[CsvReading]:
    """Read an uploaded CSV once, writing it to ``target`` as UTF-8.

    Yields the detected encoding, the delimiter, the header and the records (offsets are those
    of the UTF-8 copy, so a later reader can seek to any record). The copy is complete when the
    block ends, whether or not the caller read every record. Raises :class:`CsvFileError` for a
    file that cannot be read at all (empty, binary, not text, too wide, broken quoting).
    """
    sample = source.read(SNIFF_BYTES)
    if not sample.strip():
        raise CsvFileError(f"“{name}” is empty.")
    encoding = detect_encoding(sample, name=name)
    source.seek(0)
    text = io.TextIOWrapper(source, encoding=encoding, newline="")
    writer = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=False)
    try:
        try:
            head = text.read(SNIFF_BYTES)
        except UnicodeDecodeError:
            raise CsvFileError(f"“{name}” is not readable as {encoding} text.") from None
        check_text(head, name=name)
        if not head.strip():
            raise CsvFileError(f"“{name}” is empty.")
        delimiter = sniff_delimiter(head)
        text.seek(0)
        headers, records = read_records(
            text, name=name, delimiter=delimiter, max_columns=max_columns, copy_to=writer
        )
        yield CsvReading(encoding, delimiter, headers, records)
        for _ in records:  # the rest of the file, so the copy is whole
            pass
        writer.flush()
    finally:
        # The caller owns both files: leave them open.
        writer.detach()
        text.detach()
