"""The voice the offline writer writes in: the run's tone, the brand's style guide and the style
learned from its copy, turned into choices the writer can make (person, sentence length,
punctuation, emoji, a few style words).

Style words come from the brand's lexicon, but only those on the list below: words that say how
something looks or feels to wear or use and state nothing that could be checked (no materials,
no colours, no product nouns, no trademarks, no promises such as "waterproof").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.brand.rules import BannedTerm, clean_banned
from apps.copywriting.brief import Directives, tone_of

# Describing words a brand may use for any product: opinions, not facts.
STYLE_WORDS: frozenset[str] = frozenset(
    {
        "timeless", "classic", "effortless", "easy", "essential", "everyday", "versatile",
        "modern", "clean", "minimal", "simple", "understated", "relaxed", "casual", "polished",
        "refined", "elegant", "chic", "sleek", "sharp", "bold", "striking", "playful", "fun",
        "cute", "sweet", "pretty", "feminine", "cool", "fresh", "bright", "cheerful", "cosy",
        "cozy", "warm", "inviting", "iconic", "signature", "statement", "standout", "stylish",
        "smart", "laid-back", "sporty", "retro", "vintage-inspired", "contemporary", "graphic",
        "vibrant", "dreamy", "delicate", "dainty", "subtle", "graceful", "practical", "handy",
        "go-to", "wear-everywhere", "flattering", "streamlined", "elevated", "confident",
        "charming", "joyful", "festive", "seasonal", "fitted", "structured", "flowy", "airy",
        "tailored", "crisp", "smooth", "soft", "comfy", "lightweight", "plush",
    }
)  # fmt: skip
# Style words that describe how a thing feels: used only when the facts say so too.
TACTILE = frozenset({"soft", "smooth", "comfy", "lightweight", "plush", "airy", "crisp", "warm"})


@dataclass(frozen=True)
class Style:
    tone: str = ""  # formal, casual, warm, playful, luxurious, bold, minimal or ''
    person: str = "neutral"  # we, you, neutral
    fragments: bool = False  # the brand writes in short fragments ("Cotton shirt. Slim fit.")
    long_sentences: bool = False
    exclamation: str = "never"  # never, sparingly, allowed
    emoji: str = "never"
    hashtags: bool = True
    style_words: tuple[str, ...] = ()
    banned: tuple[BannedTerm, ...] = ()
    preferred: tuple[str, ...] = ()
    brand_name: str = ""
    label: str = ""
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def exclaims(self) -> bool:
        return self.exclamation != "never" and self.tone in {"playful", "bold", "warm"}


def style_for(voice: dict | None, *, tone: str, directives: Directives) -> Style:
    """The style for one draft: the brand's voice (when a profile is applied), the brief's tone
    and the directives of instructions and feedback, in that order of precedence (later
    wins)."""
    voice = voice or {}
    words_per_sentence = voice.get("words_per_sentence") or 0
    person = {"we": "we", "you": "you"}.get(voice.get("person", ""), "neutral")
    exclamation = voice.get("exclamation_policy") or "sparingly"
    emoji = voice.get("emoji_policy") or "never"
    brand_tone = tone_of(" ".join(voice.get("tone_words") or []))
    chosen_tone = directives.tone or tone_of(tone) or brand_tone
    if "we" in directives.switches:
        person = "we"
    if "you" in directives.switches:
        person = "you"
    if "no_emoji" in directives.switches:
        emoji = "never"
    elif "emoji" in directives.switches and emoji == "never" and not voice:
        emoji = "sparingly"
    if "no_exclamation" in directives.switches or chosen_tone in {"formal", "minimal"}:
        exclamation = "never"
    lexicon = [str(t).lower() for t in voice.get("lexicon") or []]
    style_words = [w for w in lexicon if w in STYLE_WORDS and w not in TACTILE]
    style_words += [w.lower() for w in voice.get("tone_words") or [] if w.lower() in STYLE_WORDS]
    return Style(
        tone=chosen_tone,
        person=person,
        fragments=bool(words_per_sentence) and words_per_sentence < 9,
        long_sentences=words_per_sentence > 19,
        exclamation=exclamation,
        emoji=emoji,
        hashtags="no_hashtags" not in directives.switches,
        style_words=tuple(dict.fromkeys(style_words))[:8],
        banned=tuple(clean_banned(voice.get("banned") or [])),
        preferred=tuple(voice.get("preferred_terms") or ()),
        brand_name=voice.get("name", ""),
        label=voice.get("label", ""),
    )
