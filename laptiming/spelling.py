"""Names in Latin letters where a page, a receipt or a wire cannot take them as typed (pure; anyascii).

A PDF font without Chinese letters, a receipt printer's code pages, the ASCII of an RMonitor feed: each says
which characters it can carry, and :func:`spell_unprintable` spells the rest, the same way for all of them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from anyascii import anyascii

RIGHT_TO_LEFT = frozenset({"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})
"""Bidi classes no printout can draw as typed: Hebrew and Arabic letters and Arabic digits come out left to
right (reversed) and Arabic unjoined, since neither reportlab without python-bidi and uharfbuzz nor a receipt
printer orders or shapes text; the embedding controls steer an order nothing applies."""

SYLLABLES = ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH", "HANGUL SYLLABLE")
"""Characters that are each a syllable of a name: spelt one after another, they are words apart (Zhang Wei)."""


def spell_unprintable(text: str, has_glyph: Callable[[str], bool]) -> str:
    """``text`` with each letter that would not print as typed spelt in Latin letters by anyascii: one the font
    or printer has no glyph for (``has_glyph``: Chinese, Japanese, Korean, Devanagari, Thai in DejaVu Sans) and
    every right-to-left one (:data:`RIGHT_TO_LEFT`); invisible format characters (a direction mark, a zero-width
    joiner) are dropped. Accents, Greek and Cyrillic print as typed (composed first, so an accent typed as a
    separate mark stays on its letter).

    A spelt Chinese or Korean syllable starts a new word after another (张伟 is ``Zhang Wei``, anyascii's own
    ``ZhangWei`` otherwise), a spelt word starts with a capital as a name does (דוד is ``Dvd``), and a mark on a
    spelt letter is spelt with it (an Arabic vowel sign)."""
    if text.isascii():
        return text
    parts: list[str] = []
    spelt = ""  # the previous character's spelling; empty when it printed as typed
    after_syllable = False  # the previous character was a spelt Chinese or Korean syllable
    for char in unicodedata.normalize("NFC", text):
        category = unicodedata.category(char)
        on_spelt_letter = bool(spelt) and category.startswith("M")
        if (not on_spelt_letter and category != "Cf" and has_glyph(char)
                and unicodedata.bidirectional(char) not in RIGHT_TO_LEFT):
            parts.append(char)
            spelt, after_syllable = "", False
            continue
        spelling = anyascii(char)
        if not spelling:  # a shadda, a virama, a format character: nothing to spell
            continue
        before = parts[-1][-1] if parts else " "
        syllable = unicodedata.name(char, "").startswith(SYLLABLES)
        if syllable and after_syllable:
            parts.append(" ")
        elif not before.isalnum() and before not in "`'":  # anyascii's ayin and hamza are inside a word
            spelling = spelling[:1].upper() + spelling[1:]  # a name's word: a capital, as Zhang (Hebrew has no case)
        parts.append(spelling)
        spelt, after_syllable = spelling, syllable
    return "".join(parts)
