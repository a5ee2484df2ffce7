"""Authentication Context Class References: what a relying party may ask for and what a login proves.

The values are those of :mod:`idp.second_factor.assurance`, ranked: a login that reached a higher
level also satisfies a lower one (a code after the password also proved the password). Asked for in
two ways (OIDC Core §3.1.2.1, §5.5.1.1):

- ``acr_values``: voluntary. The person is asked to log in again (step up) when the session is below
  the lowest known value asked for (for ``sig``/``qes`` the login is by signature: ``/authorize``
  sends the person to ``/login/signature``, :func:`needs_signature`); if the login still cannot
  reach it (no second factor set up, a УНЭП where ``qes`` was asked), or every value is unknown,
  the ID token carries the ``acr`` actually reached (§5.5.1.1: "SHOULD return the session's
  current acr"). Keycloak behaves the same way for non-essential values.
- ``claims={"id_token": {"acr": {"essential": true, "values": [...]}}}``: essential. The same step
  up; when the login cannot reach any requested value (or none is known) the request fails with
  ``unmet_authentication_requirements`` (§5.5.1.1: "a failed authentication attempt"; Keycloak
  refuses unknown essential values too, keycloak/keycloak#8724), and the ID token carries one of the
  requested values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from idp.second_factor.assurance import ACR_MFA, ACR_PASSWORD, ACR_QES, ACR_SIG

#: the acr values a login can reach, lowest first (advertised as ``acr_values_supported``);
#: DESIGN.md "Identity and assurance": pwd < mfa < sig (УНЭП) < qes (КЭП)
ACR_RANK: dict[str, int] = {ACR_PASSWORD: 1, ACR_MFA: 2, ACR_SIG: 3, ACR_QES: 4}
ACR_VALUES = list(ACR_RANK)


@dataclass(frozen=True)
class AcrRequest:
    """What the relying party asked for: the values (in order of preference) and whether essential."""

    values: tuple[str, ...]
    essential: bool

    @property
    def required_rank(self) -> int | None:
        """The lowest known level that satisfies the request; None when no value is known."""
        ranks = [ACR_RANK[v] for v in self.values if v in ACR_RANK]
        return min(ranks) if ranks else None

    def satisfied_by(self, acr: str) -> bool:
        needed = self.required_rank
        return needed is not None and ACR_RANK.get(acr, 0) >= needed

    def claim_for(self, acr: str) -> str:
        """The ``acr`` for the ID token. Essential: the highest requested value the login reached
        (§5.5.1.1: "MUST return an acr Claim Value that matches one of the requested values");
        voluntary: what the login reached."""
        if not self.essential:
            return acr
        reached = [v for v in self.values if ACR_RANK.get(v, 0) and ACR_RANK[v] <= ACR_RANK.get(acr, 0)]
        return max(reached, key=ACR_RANK.__getitem__) if reached else acr


def essential_acr(claims: dict[str, Any] | None) -> AcrRequest | None:
    """The ``acr`` member of the ``claims`` parameter's id_token object, when it is essential."""
    id_token = (claims or {}).get("id_token")
    member = id_token.get("acr") if isinstance(id_token, dict) else None
    if not isinstance(member, dict) or member.get("essential") is not True:
        return None
    values = member.get("values")
    if values is None and "value" in member:
        values = [member["value"]]
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        return None  # essential without values asks only that acr be present: it always is
    return AcrRequest(tuple(values), essential=True)


def requested_acr(acr_values: str | None, claims: dict[str, Any] | None) -> AcrRequest | None:
    """The request's acr demand; an essential claim wins over voluntary ``acr_values``."""
    essential = essential_acr(claims)
    if essential is not None:
        return essential
    values = tuple((acr_values or "").split())
    return AcrRequest(values, essential=False) if values else None


def _required_rank(params: list[tuple[str, str]]) -> int | None:
    data = dict(reversed(params))  # first occurrence wins, as at /authorize
    try:
        claims = json.loads(data.get("claims") or "null")
    except ValueError:
        claims = None  # /authorize refused it already
    request = requested_acr(data.get("acr_values"), claims if isinstance(claims, dict) else None)
    return request.required_rank if request is not None else None


def wants_second_factor(params: list[tuple[str, str]]) -> bool:
    """The parked authorization request asks for a level only a second factor reaches (read by the
    login page, so that a trusted device does not skip the code for it)."""
    needed = _required_rank(params)
    return needed is not None and needed >= ACR_RANK[ACR_MFA]


def needs_signature(request: AcrRequest | None) -> bool:
    """The request asks for a level only a signature reaches (``sig`` or ``qes``)."""
    needed = request.required_rank if request is not None else None
    return needed is not None and needed >= ACR_RANK[ACR_SIG]


def signature_asked(params: list[tuple[str, str]]) -> str | None:
    """For a parked request's parameters (read by the login pages): ``ACR_QES`` or ``ACR_SIG`` when
    only a signature reaches the level it asks for, else None."""
    needed = _required_rank(params)
    if needed is None or needed < ACR_RANK[ACR_SIG]:
        return None
    return ACR_QES if needed >= ACR_RANK[ACR_QES] else ACR_SIG
