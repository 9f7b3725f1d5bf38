"""Reading uploaded CSVs (apps.core.csvfiles): what every app that takes a CSV relies on."""

import codecs
import io

import pytest

from apps.core import csvfiles
from apps.core.csvfiles import CsvFileError


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Title;Körper\n".encode(), "utf-8"),
        (codecs.BOM_UTF8 + b"Title\n", "utf-8-sig"),
        ("Title,Body\n".encode("utf-16"), "utf-16"),
        ("Title,Body\n".encode("utf-16-le"), "utf-16-le"),
        ("Title,Body\n".encode("utf-16-be"), "utf-16-be"),
        ("Title,Café\n".encode("cp1252"), "cp1252"),
    ],
)
def test_the_encoding_is_detected(data, encoding):
    assert csvfiles.detect_encoding(data, name="a.csv") == encoding


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"PK\x03\x04rest", "an Excel workbook (.xlsx): save it as CSV first"),
        (b"%PDF-1.7", "a PDF document"),
        (b"\x89PNG\r\n", "a PNG image"),
        (b"abc\x00def", "a binary file"),
    ],
)
def test_binary_files_are_refused_with_what_they_are(data, says):
    with pytest.raises(CsvFileError) as caught:
        csvfiles.detect_encoding(data, name="shop.csv")
    assert "“shop.csv”" in str(caught.value) and says in str(caught.value)


def test_delimiters_and_header_names():
    assert csvfiles.sniff_delimiter("a;b;c\n1;2;3\n") == ";"
    assert csvfiles.sniff_delimiter("a\tb\n1\t2\n") == "\t"
    assert csvfiles.normalise_header(" \ufeffBody   (HTML) ") == "body (html)"
    assert csvfiles.find_column(["Handle", "Body  (HTML)"], ["description", "body (html)"]) == (
        "Body  (HTML)"
    )
    assert csvfiles.find_column(["Handle"], ["title"]) is None


def test_columns_are_guessed_once_each_and_a_remembered_mapping_wins():
    guesses = {"title": ("title", "name"), "text": ("description", "name")}
    headers = ["Name", "Description", "Label"]
    assert csvfiles.guess_columns(headers, guesses) == {"title": "Name", "text": "Description"}
    assert csvfiles.guess_columns(headers, guesses, {"title": "label", "text": "Gone"}) == {
        "title": "Label",
        "text": "Description",
    }


def test_transcoding_copies_as_utf8_and_locates_every_record():
    original = 'Title;Body\n"Aster";"Line one\nline two"\n\nBirch;Café\n'
    source, target = io.BytesIO(original.encode("cp1252")), io.BytesIO()
    with csvfiles.transcoding(source, target, name="a.csv", max_columns=10) as reading:
        records = list(reading.records)
    assert (reading.encoding, reading.delimiter, reading.headers) == (
        "cp1252",
        ";",
        ["Title", "Body"],
    )
    copy = target.getvalue()
    assert copy == original.encode()
    assert [(r.number, r.cells, r.blank) for r in records] == [
        (2, ["Aster", "Line one\nline two"], False),
        (3, [], True),
        (4, ["Birch", "Café"], False),
    ]
    assert copy[records[0].start : records[0].end] == b'"Aster";"Line one\nline two"\n'
    assert copy[records[2].start : records[2].end] == "Birch;Café\n".encode()
    assert not source.closed and not target.closed  # the caller's files stay open


def test_the_copy_is_whole_even_when_the_caller_stops_reading():
    original = "a,b\n1,2\n3,4\n"
    target = io.BytesIO()
    with csvfiles.transcoding(
        io.BytesIO(original.encode()), target, name="a.csv", max_columns=5
    ) as reading:
        next(reading.records)
    assert target.getvalue() == original.encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"  \n", "“w.csv” is empty."),
        (b"a,b,c\n1,2,3,4,5\n", "“w.csv” is too wide to import: Row 2 has 5 columns; at most 3"),
        (b"a,b,c,d\n", "“w.csv” is too wide to import: Its header has 4 columns"),
    ],
)
def test_files_that_cannot_be_read_are_refused_by_name(data, message):
    with (
        pytest.raises(CsvFileError, match=message),
        csvfiles.transcoding(io.BytesIO(data), io.BytesIO(), name="w.csv", max_columns=3),
    ):
        pass
