"""What the brand services hand to other apps: frozen, typed results."""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.brand.rules import BannedTerm


@dataclass(frozen=True)
class BrandScore:
    """How on-brand one text is, and why.

    ``score`` is 0–100 (50: as likely this brand as not; the scorer is calibrated on held-out
    material). ``rules_broken`` are the style guide's hard rules the text breaks, said for a
    person; ``brand_terms`` the lexicon terms it uses; ``pulled_down_by`` the style statistics
    furthest from the brand's (e.g. "words per sentence: 31 (brand 12 ± 4)"); ``copied`` is true
    when it repeats 10+ consecutive words of the brand's material.
    """

    score: float
    rules_broken: tuple[str, ...] = ()
    brand_terms: tuple[str, ...] = ()
    pulled_down_by: tuple[str, ...] = ()
    copied: bool = False
    version_id: int | None = None
    stats: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def passes_rules(self) -> bool:
        return not self.rules_broken and not self.copied

    @property
    def sort_key(self) -> tuple:
        """Rank candidates with ``sorted(scores, key=lambda s: s.sort_key)``: rule-abiding
        first, then by score, highest first."""
        return (len(self.rules_broken) + int(self.copied), -self.score)

    @property
    def explanation(self) -> str:
        parts = [f"On-brand score {self.score:.0f}/100."]
        if self.rules_broken:
            parts.append("Breaks: " + " ".join(self.rules_broken))
        if self.copied:
            parts.append("Repeats 10 or more words of the brand's past copy.")
        if self.brand_terms:
            parts.append("Brand terms used: " + ", ".join(self.brand_terms) + ".")
        if self.pulled_down_by:
            parts.append("Unlike the brand: " + "; ".join(self.pulled_down_by) + ".")
        return " ".join(parts)


@dataclass(frozen=True)
class VoiceExemplar:
    """A text of the brand's own, with its product's title and the kind of copy it is."""

    title: str
    text: str
    copy_type: str = ""  # "" when not known: long copy (descriptions, past material)


@dataclass(frozen=True)
class BrandVoice:
    """How a brand writes, for whatever writes copy for it (layer 3 → the copy studio).

    The style guide (tone, person, emoji and exclamation policy, reading level, banned and
    preferred terms, the brand's own names), the style learned from its material (words per
    sentence, sentences per text, the distinctive lexicon) and the nearest exemplars of its own
    copy. ``own_names`` are names the brand may state as its own (the profile's name and the
    names listed in the style guide); nothing else here is a fact about any product.
    """

    profile_id: int
    version_id: int
    version_number: int
    name: str
    tone: str = ""  # the style guide as one instruction line
    tone_words: tuple[str, ...] = ()
    person: str = "any"
    emoji_policy: str = "never"
    exclamation_policy: str = "sparingly"
    reading_grade_target: float | None = None
    banned: tuple[BannedTerm, ...] = ()
    preferred_terms: tuple[str, ...] = ()
    own_names: tuple[str, ...] = ()
    lexicon: tuple[str, ...] = ()
    words_per_sentence: float | None = None
    sentences_per_text: float | None = None
    exemplars: tuple[VoiceExemplar, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version_number}"

    @property
    def banned_terms(self) -> tuple[str, ...]:
        return tuple(entry.term for entry in self.banned)

    def as_hint(self) -> dict:
        """A JSON-ready summary for an offline writer (exemplars left out: it writes from
        facts, never from another product's copy)."""
        return {
            "name": self.name,
            "label": self.label,
            "tone_words": list(self.tone_words),
            "person": self.person,
            "emoji_policy": self.emoji_policy,
            "exclamation_policy": self.exclamation_policy,
            "banned": [[e.term, e.replacement] for e in self.banned],
            "preferred_terms": list(self.preferred_terms),
            "own_names": list(self.own_names),
            "lexicon": list(self.lexicon),
            "words_per_sentence": self.words_per_sentence,
            "sentences_per_text": self.sentences_per_text,
        }
