"""The in-memory parts: statistics, lexicon, scorer, exemplars, rules, the background corpus."""

import io
import time

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from apps.brand import background, lexicon, rules, scoring, text, training
from apps.brand.exemplars import ExemplarIndex
from tests.brand.corpus import brand_rows

HARBOR = brand_rows("Harbor", 60)
BRAMBLE = brand_rows("Bramble", 60)
LUMEN = brand_rows("Lumen", 60)


def test_background_corpus_ships_and_is_reproducible():
    texts = background.background_texts()
    assert len(texts) == background.BACKGROUND_SIZE
    assert list(texts[:50]) == background.generate_background()[:50]
    words = background.vocabulary()
    assert len(words.domains) == 15 and {"nouns", "materials", "features", "uses"} == set(
        words.domains["clothing"]
    )


def test_the_shipped_corpus_is_what_its_vocabulary_makes(monkeypatch, tmp_path):
    out = io.StringIO()
    call_command("background_corpus", "--check", stdout=out)  # the committed file
    assert "matches background_vocabulary.json" in out.getvalue()
    stale = tmp_path / "background.txt.gz"
    stale.write_bytes(background.background_bytes(["An old text."]))
    monkeypatch.setattr(background, "BACKGROUND_PATH", stale)
    with pytest.raises(CommandError, match=r"run `python manage\.py background_corpus`"):
        call_command("background_corpus", "--check")
    call_command("background_corpus", stdout=io.StringIO())  # regenerates it
    assert stale.read_bytes() == (background.DATA / "background.txt.gz").read_bytes()
    call_command("background_corpus", "--check", stdout=io.StringIO())


def test_style_statistics():
    stats = text.TextStats.of("We make it by hand. You will love it! Really? 🌼")
    assert (stats.sentences, stats.exclamations, stats.questions, stats.emoji) == (3, 1, 1, 1)
    assert stats.we_share > 0 and stats.you_share > 0
    profile = text.style_profile([body for _, body in BRAMBLE])
    assert profile["rates"]["exclamation_texts"] > 0.5
    assert profile["person"] in {"we", "you", "neutral"}
    assert sum(profile["sentence_length"]["histogram"]) > 60
    lumen = text.style_profile([body for _, body in LUMEN])
    assert lumen["rates"]["lowercase_texts"] > 0.9
    harbor = text.style_profile([body for _, body in HARBOR])
    assert harbor["person"] == "we" and harbor["rates"]["exclamation_texts"] == 0


def test_deviations_name_the_statistics_that_differ():
    harbor = text.style_profile([body for _, body in HARBOR])
    loud = text.TextStats.of("Wow! Amazing! So good! Buy now! 🎉🎉🎉")
    found = {d["stat"] for d in text.stat_deviations(loud, harbor)}
    assert "exclamations" in found or "emoji" in found


def test_copied_runs_are_found_across_punctuation_and_case():
    source = "We cut the Aster jacket from salt-washed linen. It keeps the sea breeze out."
    index = text.shingle_index([source])
    assert text.copies_run("our take: we CUT the aster jacket, from salt washed linen. it", index)
    assert not text.copies_run("We cut the Aster jacket from new cloth today", index)
    assert text.longest_shared_run("the sea breeze out today", source) == 4


def test_lexicon_finds_the_brand_words_not_the_general_ones():
    counts = training.background_counts()
    found = lexicon.distinctive_lexicon([body for _, body in HARBOR], counts, size=30)
    terms = [entry["term"] for entry in found]
    assert {"harbour", "we"} <= set(terms) or "harbour" in terms
    assert all(entry["z"] >= lexicon.MIN_Z for entry in found)
    assert "the" not in terms[:10]
    assert lexicon.terms_used("Our harbour staple", terms) == [
        t for t in terms if t in {"harbour", "our", "our harbour", "harbour staple", "staple"}
    ]


def test_weighted_log_odds_shrinks_rare_terms():
    from collections import Counter

    brand = Counter({"harbour": 50, "once": 1, "the": 100})
    general = Counter({"the": 1000, "harbour": 1})
    z = lexicon.weighted_log_odds(brand, general)
    assert z["harbour"] > 3 > z["once"]
    assert z["the"] < 1


def test_scorer_separates_brand_from_background_on_held_out_texts():
    negatives = list(background.background_texts()[:600]) + [b for _, b in BRAMBLE + LUMEN]
    model, evaluation = scoring.train_scorer([b for _, b in HARBOR], negatives, seed=3)
    assert evaluation.roc_auc > 0.98
    assert evaluation.accuracy > 0.95
    assert evaluation.heldout_brand == 12
    assert evaluation.mean_heldout_score > 70 > evaluation.mean_other_score
    fresh = brand_rows("Harbor", 10, seed=99)
    other = brand_rows("Bramble", 10, seed=99)
    assert model.scores([b for _, b in fresh]).mean() > 70
    assert model.scores([b for _, b in other]).mean() < 30
    # Stored compactly and loaded back to the same scores.
    restored = scoring.ScorerModel.from_bytes(model.to_bytes())
    assert len(model.to_bytes()) < 2_000_000
    assert np.allclose(restored.scores(["We cut it"]), model.scores(["We cut it"]), atol=0.5)


def test_scoring_a_thousand_candidates_is_fast():
    model, _ = scoring.train_scorer(
        [b for _, b in HARBOR], list(background.background_texts()[:300]), seed=1
    )
    candidates = [b for _, b in brand_rows("Bramble", 1000, seed=7)]
    model.scores(candidates[:10])  # warm up (the dense weight vector)
    started = time.perf_counter()
    scores = model.scores(candidates)
    assert len(scores) == 1000
    assert time.perf_counter() - started < 2.0  # ≤ 1 s on the benchmark machine


def test_too_little_material_says_how_much_more():
    with pytest.raises(training.NotEnoughMaterial) as caught:
        training.train_profile(material=HARBOR[:12], seed=0)
    assert caught.value.have == 12
    assert "Add 8 more" in str(caught.value)
    # Duplicates and empty texts do not count.
    with pytest.raises(training.NotEnoughMaterial) as caught:
        training.train_profile(material=[*HARBOR[:15], *HARBOR[:15], ("x", "  ")], seed=0)
    assert caught.value.have == 15


def test_train_profile_returns_every_artefact(monkeypatch):
    monkeypatch.setattr(training, "MAX_OTHER_TEXTS", 600)
    trained = training.train_profile(material=HARBOR, others=[b for _, b in BRAMBLE], seed=5)
    assert trained.summary["texts"] == 60
    assert trained.summary["other_profiles_texts"] == 60
    assert trained.stats["texts"] == 60
    assert trained.lexicon and trained.exemplar_pool
    assert set(trained.evaluation) >= {"accuracy", "roc_auc", "mean_heldout_score"}


def test_exemplars_are_the_closest_products():
    items = [
        ("Aster Linen Shirt", "A linen shirt."),
        ("Birch Wool Sweater", "A warm sweater."),
        ("Cove Stoneware Mug", "A mug for tea."),
        ("Aster Linen Shirt", "A linen shirt."),  # a duplicate is not offered twice
    ]
    index = ExemplarIndex(items)
    nearest = index.nearest("Stoneware mug, blue", k=2)
    assert nearest[0].title == "Cove Stoneware Mug"
    assert len(index.nearest("linen shirt", k=3)) == 3 - 1 + 1  # two distinct + one more
    assert [e.title for e in index.nearest("linen shirt", k=1)] == ["Aster Linen Shirt"]
    assert ExemplarIndex([]).nearest("anything") == []


@pytest.mark.parametrize(
    "entry", [".*", "(new)", "c++", "[sale]", "a|b", "\\d+", "?", "^cheap$", "***"]
)
def test_banned_entries_that_look_like_patterns_are_literal(entry):
    banned = rules.clean_banned([entry, "", "   ", None])
    assert [b.term for b in banned] == [entry]
    guide = rules.StyleGuide(banned=tuple(banned))
    assert rules.check("An ordinary sentence about a shirt.", guide) == []
    assert rules.check(f"This has {entry} inside.", guide) == [f"Uses the banned term “{entry}”."]


def test_banned_lines_with_replacements():
    banned = rules.parse_banned_lines("cheap => affordable\n\n  \nbest-in-class\nsale -> offer\n")
    assert [(b.term, b.replacement) for b in banned] == [
        ("cheap", "affordable"),
        ("best-in-class", ""),
        ("sale", "offer"),
    ]
    guide = rules.StyleGuide(banned=tuple(banned))
    assert rules.check("A cheap shirt, best-in-class!", guide) == [
        "Uses the banned term “cheap” (use “affordable”).",
        "Uses the banned term “best-in-class”.",
    ]
    assert rules.check("A cheapskate’s wholesale shirt.", guide) == []  # whole words only
    # A replacement keeps the capital of the word it replaces.
    assert rules.apply_replacements("Cheap and cheap.", banned) == "Affordable and affordable."


def test_person_emoji_exclamation_and_reading_level_rules():
    guide = rules.StyleGuide(
        person="we", emoji_policy="never", exclamation_policy="sparingly", reading_grade_target=6
    )
    assert rules.check("We made it.", guide) == []
    broken = rules.check("I made it! Really! 🌼", guide)
    assert broken == [
        "Speaks as “I”; the brand speaks as “we”.",
        "Uses emoji; the style guide allows none.",
        "Uses 2 exclamation marks; the style guide allows one at most.",
    ]
    dense = (
        "Notwithstanding considerable manufacturing complexities, institutional procurement "
        "specifications necessitate comprehensive documentation."
    )
    assert any("Reads at grade" in b for b in rules.check(dense, guide))
    assert rules.check("We speak.", rules.StyleGuide(person="you")) == [
        "Speaks as “we”; the style guide addresses the reader without “we”."
    ]
