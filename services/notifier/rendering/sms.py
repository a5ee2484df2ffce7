"""SMS length in segments (3GPP TS 23.038 alphabets, TS 23.040 concatenation).

A text made only of GSM 7-bit default alphabet characters fits 160 septets in one SMS and 153 per
part once concatenated (the user data header takes the rest); an extension-table character costs
two septets and is not split across parts. Anything else (Cyrillic) goes as UCS-2: 70 UTF-16 code
units in one SMS, 67 per part, a surrogate pair never split. Each part is billed, so templates are
kept within one segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

SINGLE = {"gsm7": 160, "ucs2": 70}
PART = {"gsm7": 153, "ucs2": 67}


@dataclass(frozen=True)
class SmsLength:
    encoding: Literal["gsm7", "ucs2"]
    #: septets (GSM-7) or UTF-16 code units (UCS-2)
    units: int
    segments: int


def _costs(text: str) -> tuple[Literal["gsm7", "ucs2"], list[int]]:
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        return "gsm7", [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return "ucs2", [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def sms_length(text: str) -> SmsLength:
    encoding, costs = _costs(text)
    units = sum(costs)
    if units <= SINGLE[encoding]:
        return SmsLength(encoding, units, 1 if units else 0)
    # Concatenated: fill parts greedily without splitting an escape sequence or a surrogate pair.
    segments, used = 1, 0
    for cost in costs:
        if used + cost > PART[encoding]:
            segments += 1
            used = 0
        used += cost
    return SmsLength(encoding, units, segments)
