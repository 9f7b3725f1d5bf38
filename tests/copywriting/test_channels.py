import json

import pytest

from apps.copywriting import channels
from apps.copywriting.channels import SPECS, check, repair, x_weighted_length


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", 5),
        ("x" * 280, 280),
        ("see https://example.com/a/very/long/path?with=query", 4 + 23),
        ("two links http://a.co and www.example.org/x", 10 + 23 + 5 + 23),
        ("👍", 2),
        ("👍🏽", 2),  # skin tone belongs to the emoji
        ("👨‍👩‍👧", 6),  # three people joined: 2 each, joiners free
        ("日本語", 6),
        ("café", 4),
        ("cafe\u0301", 4),  # NFC folds e + combining accent into é
        ("❤️", 2),
    ],
)
def test_x_weighted_length(text, expected):
    assert x_weighted_length(text) == expected


def test_an_x_post_over_280_weighted_characters_is_a_hard_violation():
    post = "a" * 250 + " 🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉"  # 251 + 30
    result = check(SPECS["x_post"], {"text": post})
    assert [v.message for v in result.hard_violations] == [
        "Post is 281 weighted characters; at most 280 weighted characters."
    ]
    fixed = repair(SPECS["x_post"], {"text": post})
    assert x_weighted_length(fixed["text"]) <= 280 and check(SPECS["x_post"], fixed).ok


@pytest.mark.parametrize(
    ("title", "messages"),
    [
        ("Harbor Linen Shirt, Relaxed Fit, Sand, Size M", []),
        (
            "Linen Shirt! Best Seller",
            ["may not contain !", "Promotional phrases are not allowed: best seller"],
        ),
        ("Shirt {limited} with free shipping", ["may not contain { }", "free shipping"]),
        ("Linen shirt linen trousers linen hat", ["Words used more than twice: linen"]),
        ("The shirt and the hat and the bag of the year", []),  # articles and conjunctions repeat
        ("Tee $20 ¬ ¦ ^ _ ?", ["may not contain $ ? ^ _ ¦ ¬"]),
    ],
)
def test_amazon_title_rules(title, messages):
    found = [v.message for v in check(SPECS["amazon_title"], {"text": title}).hard_violations]
    assert len(found) == len(messages)
    for expected, message in zip(messages, found, strict=True):
        assert expected in message


def test_amazon_title_over_200_characters():
    title = " ".join(f"word{n}" for n in range(60))
    result = check(SPECS["amazon_title"], {"text": title})
    assert any("at most 200 characters" in v.message and v.hard for v in result.violations)
    fixed = repair(SPECS["amazon_title"], {"text": title + " Best Seller!"})
    assert check(SPECS["amazon_title"], fixed).ok
    assert "best seller" not in fixed["text"].lower() and "!" not in fixed["text"]


def test_seo_lengths_are_advice_not_errors():
    result = check(SPECS["seo_title"], {"text": "x" * 75})
    assert result.ok
    assert [(v.message, v.hard) for v in result.violations] == [
        ("SEO title is 75 characters; 50–60 characters (advice).", False)
    ]


def test_amazon_bullets_five_advised_at_most_five_within_the_workspace_limit():
    spec = channels.spec_for("amazon_bullets", bullet_max=500)
    result = check(spec, {"bullets": ["y" * 300] * 4})
    assert result.ok  # fewer than five is advice: no bullet is padded with filler
    assert [v.message for v in result.violations] == [
        "Amazon shows five bullet points; this has 4. Add facts to the product (features, "
        "care, sizes) for more."
    ]
    assert [v.message for v in check(spec, {"bullets": ["y"] * 6}).hard_violations] == [
        "Bullet points: 6 given, 1–5 needed"
    ]
    assert not check(SPECS["amazon_bullets"], {"bullets": ["y" * 300] * 5}).ok  # 250 default


def test_google_ads_limits():
    spec = SPECS["google_rsa"]
    data = {
        "headlines": ["Linen shirts for summer", "Breathable flax linen", "x" * 31],
        "descriptions": ["Cool, breathable linen shirts cut for warm days."],
        "path1": "linen-shirts",
        "path2": "this-path-is-too-long",
    }
    messages = [v.message for v in check(spec, data).hard_violations]
    assert messages == [
        "Headlines 3 is 31 characters; at most 30 characters.",
        "Descriptions: 1 given, 2–4 needed",
        "Path 2 is 21 characters; at most 15 characters.",
    ]
    fixed = repair(spec, data)
    assert all(len(h) <= 30 for h in fixed["headlines"]) and len(fixed["path2"]) <= 15


def test_instagram_caption_allows_30_hashtags():
    caption = "Summer linen " + " ".join(f"#tag{n}" for n in range(32))
    assert "32 hashtags; Instagram allows 30." in [
        v.message for v in check(SPECS["instagram_caption"], {"text": caption}).violations
    ]
    assert check(
        SPECS["instagram_caption"], repair(SPECS["instagram_caption"], {"text": caption})
    ).ok


def test_every_kind_of_copy_asks_for_a_strict_schema():
    for spec in SPECS.values():
        schema = channels.json_schema(spec)
        assert schema["additionalProperties"] is False
        assert schema["required"] == list(schema["properties"])
        text = json.dumps(schema)
        assert "maxLength" not in text and "minLength" not in text  # outside strict mode


def test_render_gives_one_text_per_copy():
    assert channels.render(SPECS["amazon_bullets"], {"bullets": ["One", "Two"]}) == "One\nTwo"
    rendered = channels.render(
        SPECS["meta_ad"], {"primary_text": "P", "headline": "H", "description": "D"}
    )
    assert rendered == "Primary text: P\n\nHeadline: H\n\nDescription: D"
