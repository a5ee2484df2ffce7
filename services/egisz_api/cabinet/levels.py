"""Account levels as the cabinet sees them (ESIA.md §8, R-ACC-4) and which cabinet page needs which.

ESIA does not send a level name: ``trusted: true`` in ``/rs/prns/{oid}`` (``is_tru`` in the
id_token) means confirmed; a passport the registry verified (``vrfStu: VERIFIED`` in
``/rs/prns/{oid}/docs``) means at least standard; anything else is simplified.
"""

from __future__ import annotations

from typing import Literal

Level = Literal["simplified", "standard", "confirmed"]
ORDER: tuple[Level, ...] = ("simplified", "standard", "confirmed")
#: the level whose SNILS the state registry checked: below it no Patient is matched by SNILS
MAPPING_LEVEL: Level = "standard"


def at_least(level: str, needed: str) -> bool:
    """Whether ``level`` reaches ``needed`` (an unknown level reaches nothing)."""
    if level not in ORDER or needed not in ORDER:
        return False
    return ORDER.index(level) >= ORDER.index(needed)


def from_esia(*, trusted: bool, passport_verified: bool) -> Level:
    if trusted:
        return "confirmed"
    return "standard" if passport_verified else "simplified"
