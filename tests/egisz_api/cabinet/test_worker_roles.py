"""The cabinet's login reads a medical worker's organisations from the idp's ESIA face
(ESIA.md §7.3 ``/rs/prns/{oid}/roles``, scope ``usr_org``): the idp is an edge here, an
``httpx.MockTransport`` answering as the idp does (the real one: tests/idp/esia_people/)."""

from __future__ import annotations

from typing import Any

import httpx

from egisz_api.cabinet.esia import EsiaGateway
from egisz_api.cabinet.login import _read_roles
from egisz_api.cabinet.schemas import LoggedInPerson, Membership

PERSON = LoggedInPerson(
    oid="1000", idp_sid=None, snils="112-233-445 95", display_name="Врачёва", level="standard"
)


def _role(oid: int, role: str, **extra: Any) -> dict[str, Any]:
    return {"oid": oid, "prnOid": 1000, "fullName": f"Полное {oid}", "shortName": f"ГП {oid}",
            "ogrn": f"10277{oid:08d}", "type": "LEGAL", "chief": False, "admin": False, "active": True,
            "position": "Врач", "role": role, **extra}  # fmt: skip


def _gateway(elements: list[dict[str, Any]], seen: list[httpx.Request]) -> EsiaGateway:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json={"stateFacts": ["hasSize"], "size": len(elements), "elements": elements}
        )

    return EsiaGateway("http://idp.test", timeout=5, transport=httpx.MockTransport(answer))


def test_the_roles_become_memberships_in_egisz_words_with_the_access_token() -> None:
    seen: list[httpx.Request] = []
    roles = [_role(1, "doctor"), _role(2, "nurse"), _role(3, "chief")]
    found = _read_roles(_gateway(roles, seen), PERSON, "access-token").memberships
    assert [(m.oid, m.role) for m in found] == [("1", "practitioner"), ("2", "nurse"), ("3", "practitioner")]
    assert found[0] == Membership(
        oid="1", ogrn="1027700000001", name="ГП 1", role="practitioner", position="Врач"
    )
    assert seen[0].url.path == "/rs/prns/1000/roles"
    assert seen[0].headers["authorization"] == "Bearer access-token"


def test_an_inactive_organisation_or_an_unknown_role_makes_no_worker() -> None:
    roles = [_role(1, "doctor", active=False), _role(2, "janitor"), {"role": "doctor"}]
    assert _read_roles(_gateway(roles, []), PERSON, "t").memberships == ()


def test_a_health_authority_role_grants_the_authority_role_and_its_region_not_a_worker() -> None:
    """EGISZ.md §5 row 31: ``authority_reg`` → ``authority_regional`` with its organisation's region;
    ``authority_fed`` → ``authority_federal``; neither makes a medical worker."""
    regional = _read_roles(_gateway([_role(7, "authority_reg", region="77")], []), PERSON, "t")
    assert regional.roles == ("authority_regional",) and regional.region == "77"
    assert regional.memberships == ()
    federal = _read_roles(_gateway([_role(8, "authority_fed", region="77")], []), PERSON, "t")
    assert federal.roles == ("authority_federal",) and federal.region is None
    inactive = _read_roles(_gateway([_role(7, "authority_reg", region="77", active=False)], []), PERSON, "t")
    assert inactive.roles == () and inactive.region is None
