"""The brand's voice as other apps get it (brand_voice), the one rules engine (check and
enforce share one table and one matcher), the explicit default profile, and the registry the
copy studio fills."""

from apps.brand import exemplars, registry, rules, selectors, services
from apps.brand.models import BrandProfile
from apps.brand.selectors import profile_default
from apps.brand.services import fine_tuning, profiles
from tests.factories import actor_for


def test_brand_voice_carries_the_style_guide_lexicon_and_nearest_exemplars(
    workspace, brand_manager, profile, trained
):
    profiles.profile_update_style(
        actor=actor_for(workspace, brand_manager),
        profile_id=profile.pk,
        tone_words="calm, clean",
        banned="cheap => affordable\n[sale]",
        preferred_terms="tee => t-shirt",
        own_names="Harbour Weave\nTideline",
        person="we",
    )
    voice = services.brand_voice(
        workspace=workspace, version=trained, query="linen shirt", copy_type="email_subject"
    )
    assert voice.name == "Harbor" and voice.label == f"Harbor v{trained.number}"
    assert voice.banned_terms == ("cheap", "[sale]")
    assert voice.preferred_terms == ("tee => t-shirt",)
    assert voice.own_names == ("Harbor", "Harbour Weave", "Tideline")
    assert voice.tone.startswith("calm, clean; speak as “we”")
    assert voice.tone_words == ("calm", "clean") and voice.person == "we"
    assert len(voice.exemplars) == 3
    assert "shirt" in voice.exemplars[0].title.lower()  # the closest product first
    assert voice.lexicon and voice.words_per_sentence > 0
    hint = voice.as_hint()
    assert hint["banned"] == [["cheap", "affordable"], ["[sale]", ""]]
    assert "exemplars" not in hint  # the offline writer never writes from other products


def test_exemplars_of_the_asked_kind_of_copy_come_first(workspace, brand_manager, profile, trained):
    services.brand_material_add_approved(
        workspace=workspace,
        profile=profile,
        text="Linen that breathes, ready now",
        source_key="copy:1",
        title="Linen Shirt",
        copy_type="email_subject",
    )
    material = selectors.material_items(workspace=workspace, profile=profile)
    assert ("Linen Shirt", "Linen that breathes, ready now", "email_subject") in material
    pool = exemplars.build_pool(
        [
            ("Linen Shirt", "A long description of a shirt."),
            ("Linen Shirt", "Linen, now", "email_subject"),
        ]
    )
    index = exemplars.ExemplarIndex(pool)
    assert index.nearest("linen shirt", k=1, copy_type="email_subject")[0].text == "Linen, now"
    assert index.nearest("linen shirt", k=1)[0].copy_type in {"", "email_subject"}


def test_check_and_enforce_use_the_same_banned_terms():
    banned = rules.clean_banned([("cheap", ""), ("best-in-class", "well made"), (".*", "")])
    one_sentence = "A cheaper, cheaply made shirt."
    assert [e.term for e in rules.find_banned(one_sentence, banned)] == ["cheap"]
    assert rules.check(one_sentence, rules.StyleGuide(banned=tuple(banned))) == [
        "Uses the banned term “cheap”."
    ]
    kept = rules.enforce(one_sentence, banned)
    # Never "A, made shirt.": a sentence is not cut up; the caller drops or flags the text.
    assert kept.text == one_sentence and kept.remaining == ("cheap",) and not kept.ok
    several = rules.enforce("Soft linen. A cheaper, cheaply made shirt. Best-in-class cut.", banned)
    assert several.text == "Soft linen. Well made cut."
    assert several.removed == ("A cheaper, cheaply made shirt.",)
    assert several.replaced == ("best-in-class",) and several.ok
    assert rules.check(several.text, rules.StyleGuide(banned=tuple(banned))) == []
    assert rules.find_banned("A cheapskate’s shirt.", banned) == []  # whole words only
    assert [e.term for e in rules.find_banned("matches .* literally", banned)] == [".*"]
    lines = rules.enforce("Soft\nCheap thing\nLinen", banned)
    assert lines.text == "Soft\nLinen" and lines.removed == ("Cheap thing",)
    preferred = rules.enforce("A tee for summer.", [], preferred=["tee => t-shirt"])
    assert preferred.text == "A t-shirt for summer."


def test_a_profile_is_the_default_only_when_a_brand_manager_marks_it(
    workspace, brand_manager, profile
):
    assert profile.is_default is False
    assert profile_default(workspace=workspace) is None
    second = profiles.profile_create(actor=actor_for(workspace, brand_manager), name="Tideline")
    profiles.profile_set_default(
        actor=actor_for(workspace, brand_manager), profile_id=profile.pk, is_default=True
    )
    assert profile_default(workspace=workspace) == profile
    profiles.profile_set_default(
        actor=actor_for(workspace, brand_manager), profile_id=second.pk, is_default=True
    )
    assert profile_default(workspace=workspace) == second
    assert list(BrandProfile.objects.for_workspace(workspace).filter(is_default=True)) == [
        second
    ]  # one default at most
    profiles.profile_set_default(
        actor=actor_for(workspace, brand_manager), profile_id=second.pk, is_default=False
    )
    assert profile_default(workspace=workspace) is None


def test_fine_tune_examples_come_from_the_registered_sources(workspace, profile, monkeypatch):
    example = {"messages": [{"role": "user", "content": "x"}]}
    monkeypatch.setattr(registry, "_FINE_TUNE_SOURCES", {"a": lambda **_: [example, example]})
    assert fine_tuning.fine_tune_examples(workspace=workspace, profile=profile) == [example]
