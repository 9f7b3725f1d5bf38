"""What a copywriter asks for, read as directives: the run's instructions and a rewrite's
feedback ("shorter, mention the removable straps", "more formal", "don't mention the price").

Every writer gets the words themselves; these directives let the offline writer follow them
and let the copy studio check afterwards whether any writer did, so that a draft says when
something was not followed, and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SHORTER = re.compile(
    r"\b(shorter|more concise|concise|brief(er)?|tighter|cut (it )?down|trim( it)?|less wordy|"
    r"fewer words|too long|shorten)\b",
    re.I,
)
LONGER = re.compile(
    r"\b(longer|more detail(ed)?|more details|expand|elaborate|too short|more words|lengthen|"
    r"fuller)\b",
    re.I,
)
MENTION = re.compile(
    r"^(?:please\s+)?(?:also\s+)?(?:mention|include|add|highlight|talk about|say|note|"
    r"emphasi[sz]e|call out|stress|point out|use the words?|bring up|write about|focus on)"
    r"\s+(?:that\s+)?(.+)$",
    re.I,
)
AVOID = re.compile(
    r"^(?:please\s+)?(?:(?:don'?t|do not|never|stop)\s+(?:mention(?:ing)?|say(?:ing)?|use|"
    r"using|include|including|talk(?:ing)? about|bring(?:ing)? up)|remove|drop|leave out|omit|"
    r"avoid|without|skip|lose|cut out|no (?:more )?mention of|no)\s+(.+)$",
    re.I,
)
TONES: dict[str, tuple[str, ...]] = {
    "formal": ("formal", "professional", "serious", "corporate", "polished"),
    "casual": ("casual", "relaxed", "informal", "conversational", "chatty"),
    "warm": ("warm", "friendly", "friendlier", "warmer", "kind", "approachable"),
    "playful": ("playful", "fun", "funny", "cheeky", "witty", "light-hearted", "lighthearted"),
    "luxurious": (
        "luxurious", "luxury", "premium", "elegant", "refined", "upscale", "sophisticated",
    ),
    "bold": ("bold", "punchy", "energetic", "confident", "exciting", "dynamic", "strong"),
    "minimal": ("minimal", "minimalist", "plain", "simple", "understated", "factual", "sober"),
}  # fmt: skip
STYLE_SWITCHES: dict[str, re.Pattern] = {
    "no_emoji": re.compile(r"\b(no|without|drop|remove|fewer|less)\s+emojis?\b", re.I),
    "emoji": re.compile(r"\b(add|use|with|more|include)\s+(an? |some )?emojis?\b", re.I),
    "no_exclamation": re.compile(
        r"\b(no|without|drop|remove|fewer|less)\s+exclamation( marks?| points?)?\b", re.I
    ),
    "no_hashtags": re.compile(r"\b(no|without|drop|remove)\s+hashtags?\b", re.I),
    "we": re.compile(r"\b(use|speak as|say|write as)\s+[\"“']?we\b|\bfirst person\b", re.I),
    "you": re.compile(r"\b(address|speak to|talk to)\s+(the )?(reader|customer|shopper)|"
    r"\buse\s+[\"“']?you\b|\bsecond person\b", re.I),
}  # fmt: skip
FILLER = re.compile(
    r"^(please|pls|and|also|then|but|make it|a bit|a little|slightly|much)\s+", re.I
)


@dataclass(frozen=True)
class Directives:
    length: float | None = None  # 0.6: shorter; 1.5: longer
    mention: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    tone: str = ""
    switches: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    said: tuple[str, ...] = field(default=(), compare=False)

    @property
    def shorter(self) -> bool:
        return self.length is not None and self.length < 1

    @property
    def longer(self) -> bool:
        return self.length is not None and self.length > 1

    def as_hint(self) -> dict:
        return {
            "length": self.length,
            "mention": list(self.mention),
            "avoid": list(self.avoid),
            "tone": self.tone,
            "switches": list(self.switches),
        }


def tone_of(text: str) -> str:
    """The tone a few words ask for ("warm, confident" -> "warm"), or ''."""
    lowered = (text or "").lower()
    for tone, words in TONES.items():
        if any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in words):
            return tone
    return ""


def _clauses(text: str) -> list[str]:
    parts = re.split(
        r"[;\n]|[,.](?=\s|$)|\s+(?:and then|then|but)\s+|\s+and\s+(?=(?:make|mention|include|add|"
        r"don'?t|do not|remove|keep|use|no |avoid|highlight|drop|say|write|talk|leave|cut|omit)\b)",
        text or "",
    )
    out = []
    for part in parts:
        part = part.strip(" .,!-–—")
        while part and FILLER.match(part):
            part = FILLER.sub("", part, count=1).strip()
        if part:
            out.append(part)
    return out


def _object(phrase: str) -> str:
    phrase = re.sub(
        r"^(the|a|an|that it (is|has)|it('s| is| has)|its)\s+", "", phrase.strip(), flags=re.I
    )
    return phrase.strip(" \"“”'‘’.")


def parse(*texts: str) -> Directives:
    """Directives from instructions and feedback (later texts win on length and tone)."""
    length: float | None = None
    tone = ""
    mention: list[str] = []
    avoid: list[str] = []
    switches: list[str] = []
    unknown: list[str] = []
    said: list[str] = []
    for text in texts:
        for name, pattern in STYLE_SWITCHES.items():
            if pattern.search(text or ""):
                switches.append(name)
        for clause in _clauses(text):
            said.append(clause)
            understood = any(p.search(clause) for p in STYLE_SWITCHES.values())
            avoided = AVOID.match(clause)
            mentioned = MENTION.match(clause)
            if understood:
                pass
            elif avoided:
                avoid.append(_object(avoided.group(1)))
                understood = True
            elif mentioned:
                mention.append(_object(mentioned.group(1)))
                understood = True
            elif SHORTER.search(clause):
                length, understood = 0.6, True
            elif LONGER.search(clause):
                length, understood = 1.5, True
            clause_tone = tone_of(clause)
            if clause_tone and not (avoided or mentioned):
                tone, understood = clause_tone, True
            if not understood:
                unknown.append(clause)
    return Directives(
        length=length,
        mention=tuple(dict.fromkeys(m for m in mention if m)),
        avoid=tuple(dict.fromkeys(a for a in avoid if a)),
        tone=tone,
        switches=tuple(dict.fromkeys(switches)),
        unknown=tuple(unknown),
        said=tuple(said),
    )


def mentions(text: str, phrase: str) -> bool:
    """Whether ``text`` says ``phrase``: its content words, in any order, each present."""
    words = [w for w in re.findall(r"[a-z0-9]+", phrase.lower()) if len(w) > 2 or w.isdigit()]
    if not words:
        return phrase.lower() in text.lower()
    lowered = text.lower()
    return all(re.search(rf"\b{re.escape(w)}", lowered) for w in words)
