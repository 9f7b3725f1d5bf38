"""The evaluate_brands command on a small synthetic CSV (never the shared data)."""

import re

import pytest
from django.core.management import CommandError, call_command

from tests.brand.corpus import corpus_csv

LAST_LINE = re.compile(
    r"^overall_top1=(?P<overall>[\d.]+) generated_top1=(?P<generated>[\d.]+|nan) "
    r"copied=(?P<copied>[\d.]+|nan) unsupported=(?P<unsupported>[\d.]+|nan) "
    r"brands=(?P<brands>\d+) heldout=(?P<heldout>\d+)$"
)


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("evaluate_brands", *args, stdout=out)
    return out.getvalue().strip().splitlines()


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "brands.csv"
    path.write_text(corpus_csv(40), encoding="utf-8")
    return path


def test_attribution_and_generation_on_a_synthetic_corpus(corpus):
    lines = run(str(corpus), "--seed", "3", "--generate", "4", "--mask-names")
    match = LAST_LINE.match(lines[-1])
    assert match, lines[-1]
    assert (match["brands"], match["heldout"]) == ("3", "24")
    assert float(match["overall"]) >= 0.95
    # Drafts are written from each held-out product's facts in the brand's learned style; on
    # three synthetic brands they are still attributed far above chance (1 in 3). The figures
    # on real copy are in docs/benchmarks.md.
    assert float(match["generated"]) >= 0.6
    assert float(match["unsupported"]) == 0.0
    # The synthetic brands are built from fixed sentences of 10+ words, so their training rows
    # share such runs with each other and a draft can meet one outside its exemplars; the
    # figure on real copy is in docs/benchmarks.md. Here only its form is checked.
    assert 0 <= float(match["copied"]) <= 1
    assert any(line.startswith("Harbor: top1=") for line in lines)
    assert any(line.startswith("Lumen: generated_top1=") for line in lines)


def test_a_subset_of_brands_without_generation(corpus):
    lines = run(str(corpus), "--brands", "Harbor,Lumen")
    match = LAST_LINE.match(lines[-1])
    assert match and match["brands"] == "2" and match["generated"] == "nan"


def test_bad_input_is_named(tmp_path, corpus):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("name,text\nA,B\n", encoding="utf-8")
    with pytest.raises(
        CommandError, match=r"“wrong\.csv” needs the columns brand, title, description"
    ):
        run(str(wrong))
    with pytest.raises(CommandError, match="does not exist"):
        run(str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="No rows for Nike"):
        run(str(corpus), "--brands", "Harbor,Nike")
