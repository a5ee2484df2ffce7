"""The state-registry check behind the *standard* level (R-ACC-4): do this SNILS and passport
belong to this person?

Pluggable: :class:`BuiltinRegistry` checks checksums and formats and compares the name with the
passport records seeded for the demo; :class:`SandboxRegistry` (dev mode) also confirms any
well-formed SNILS and passport and answers the other outcomes for documented test passport numbers,
as a payment sandbox does for test card numbers; :class:`HttpRegistry` asks a real registry over
HTTP. All answer a :class:`RegistryVerdict` whose ``reason`` the cabinet explains to the person.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Protocol

import httpx

logger = logging.getLogger("idp.registry")

#: reasons the cabinet can explain (R-ACC-4: «с причиной, если проверка не прошла»)
REASONS = ("names_differ", "bad_checksum", "not_found", "birth_date_differs", "unavailable", "incomplete")


@dataclass(frozen=True)
class IdentityClaim:
    last_name: str
    first_name: str
    middle_name: str | None
    birth_date: dt.date | None
    snils: str | None  # 11 digits
    passport_series: str | None
    passport_number: str | None


@dataclass(frozen=True)
class RegistryVerdict:
    passed: bool
    reason: str | None = None


class IdentityRegistry(Protocol):
    def check(self, claim: IdentityClaim) -> RegistryVerdict: ...


def snils_checksum_ok(digits: str) -> bool:
    """Pension Fund checksum of an 11-digit SNILS (numbers up to 001-001-998 carry none)."""
    if len(digits) != 11 or not digits.isdigit():
        return False
    body, control = digits[:9], int(digits[9:])
    if int(body) <= 1001998:
        return True
    total = sum(int(d) * w for d, w in zip(body, range(9, 0, -1), strict=True))
    if total > 101:
        total %= 101
    expected = 0 if total in (100, 101) else total
    return control == expected


@dataclass(frozen=True)
class PassportRecord:
    series: str
    number: str
    last_name: str
    first_name: str
    middle_name: str | None
    birth_date: dt.date


#: What the built-in registry "knows": the passports of the demo people (dev and tests).
DEMO_PASSPORTS = (
    PassportRecord("4510", "123456", "Иванов", "Иван", "Иванович", dt.date(1985, 4, 12)),
    PassportRecord("4511", "654321", "Петрова", "Анна", "Сергеевна", dt.date(1990, 1, 2)),
    PassportRecord("4512", "111222", "Сидоров", "Пётр", "Алексеевич", dt.date(1978, 9, 30)),
    PassportRecord("4513", "333444", "Кузнецова", "Мария", "Ивановна", dt.date(1995, 6, 15)),
)


def _same(a: str | None, b: str | None) -> bool:
    def norm(value: str | None) -> str:
        return (value or "").strip().lower().replace("ё", "е")

    return norm(a) == norm(b)


class BuiltinRegistry:
    def __init__(self, records: tuple[PassportRecord, ...] = DEMO_PASSPORTS) -> None:
        self._records = {(r.series, r.number): r for r in records}

    def check(self, claim: IdentityClaim) -> RegistryVerdict:
        if not claim.snils or not claim.passport_series or not claim.passport_number:
            return RegistryVerdict(False, "incomplete")
        if not snils_checksum_ok(claim.snils):
            return RegistryVerdict(False, "bad_checksum")
        record = self._records.get((claim.passport_series, claim.passport_number))
        if record is None:
            return RegistryVerdict(False, "not_found")
        names = (claim.last_name, claim.first_name, claim.middle_name)
        if not all(
            _same(a, b)
            for a, b in zip(names, (record.last_name, record.first_name, record.middle_name), strict=True)
        ):
            return RegistryVerdict(False, "names_differ")
        if claim.birth_date != record.birth_date:
            return RegistryVerdict(False, "birth_date_differs")
        return RegistryVerdict(True)


#: The sandbox's test passport numbers (any series) and the verdict each provokes: docs/accounts.md.
SANDBOX_TEST_PASSPORTS = {
    "000001": "not_found",
    "000002": "names_differ",
    "000003": "birth_date_differs",
    "000004": "unavailable",
}


class SandboxRegistry:
    """The dev-mode registry. The demo passports are checked against their records as the built-in
    registry does; a test passport number answers its outcome; any other passport with a SNILS
    whose checksum holds is confirmed, its holder being the person who claims it (a sandbox has
    no one else's name to compare with). Never used outside dev mode (``create_app``)."""

    def __init__(self, records: tuple[PassportRecord, ...] = DEMO_PASSPORTS) -> None:
        self._demo = BuiltinRegistry(records)
        self._known = {(r.series, r.number) for r in records}

    def check(self, claim: IdentityClaim) -> RegistryVerdict:
        if not claim.snils or not claim.passport_series or not claim.passport_number:
            return RegistryVerdict(False, "incomplete")
        if not snils_checksum_ok(claim.snils):
            return RegistryVerdict(False, "bad_checksum")
        if (claim.passport_series, claim.passport_number) in self._known:
            return self._demo.check(claim)
        outcome = SANDBOX_TEST_PASSPORTS.get(claim.passport_number)
        if outcome is not None:
            return RegistryVerdict(False, outcome)
        return RegistryVerdict(True)


class UnconfiguredRegistry:
    """Outside dev mode with no registry configured: nobody can be checked, so every check is
    ``unavailable`` (the person's data stays pending and can be checked once an operator sets
    ``IDP_REGISTRY_VERIFIER_URL``). The demo passports are never trusted in production."""

    def check(self, claim: IdentityClaim) -> RegistryVerdict:
        return RegistryVerdict(False, "unavailable")


class HttpRegistry:
    """POSTs the claim as JSON; expects ``{"passed": bool, "reason": str|null}``. Any failure to
    get an answer is ``unavailable`` (the person can retry later; the level stays as it was)."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 5.0) -> None:
        self._url = url
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._timeout = timeout

    def check(self, claim: IdentityClaim) -> RegistryVerdict:
        body = {
            "last_name": claim.last_name,
            "first_name": claim.first_name,
            "middle_name": claim.middle_name,
            "birth_date": claim.birth_date.isoformat() if claim.birth_date else None,
            "snils": claim.snils,
            "passport_series": claim.passport_series,
            "passport_number": claim.passport_number,
        }
        try:
            response = httpx.post(self._url, json=body, headers=self._headers, timeout=self._timeout)
            response.raise_for_status()
            data = response.json()
            reason = data.get("reason")
            return RegistryVerdict(bool(data.get("passed")), reason if reason in REASONS else None)
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            logger.warning("registry check failed", extra={"reason": type(exc).__name__})
            return RegistryVerdict(False, "unavailable")
