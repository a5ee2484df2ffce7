"""The idp's Patient lookup at the FHIR server (idp/smart/client.py), against an
``httpx.MockTransport`` FHIR server (the real one: tests/integration/test_smart_standalone_launch.py)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from idp.smart.client import FhirPatientDirectory, PatientDirectoryUnavailableError

BASE = "http://fhir.test/fhir"


def _directory(answer: Any, seen: list[httpx.Request] | None = None) -> FhirPatientDirectory:
    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer)

    def token(subject: str, snils: str) -> str:
        return f"token-of-{subject}-{snils}"

    return FhirPatientDirectory(BASE, token, transport=httpx.MockTransport(handle))


def _bundle(*ids: str, include: tuple[str, ...] = ()) -> dict[str, Any]:
    entries = [{"resource": {"resourceType": "Patient", "id": i}, "search": {"mode": "match"}} for i in ids]
    entries += [
        {"resource": {"resourceType": "Organization", "id": i}, "search": {"mode": "include"}}
        for i in include
    ]
    return {"resourceType": "Bundle", "type": "searchset", "entry": entries}


def test_one_match_is_the_patient_and_the_search_is_by_snils_with_the_persons_own_token() -> None:
    seen: list[httpx.Request] = []
    assert (
        _directory(_bundle("pat-1", include=("org-1",)), seen).patient_by_snils("11223344595", "sub-1")
        == "pat-1"
    )
    request = seen[0]
    assert request.url.path == "/fhir/Patient"
    assert request.url.params["identifier"] == "urn:oid:1.2.643.2.69.1.1.1.6.223|11223344595"
    assert request.headers["authorization"] == "Bearer token-of-sub-1-11223344595"


@pytest.mark.parametrize("ids", [(), ("pat-1", "pat-2")])
def test_none_or_several_matches_are_no_patient(ids: tuple[str, ...]) -> None:
    """The idp never guesses: two Patients with one SNILS is no launch context."""
    assert _directory(_bundle(*ids)).patient_by_snils("11223344595", "sub-1") is None


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(401, json={"resourceType": "OperationOutcome"}),
        httpx.Response(503, text="down"),
        httpx.Response(200, text="<html>"),
        httpx.Response(200, json={"entry": [{"no": "resource"}]}),
        httpx.ConnectError("refused"),
    ],
    ids=["refused-token", "down", "not-json", "not-a-searchset", "unreachable"],
)
def test_a_server_that_does_not_answer_the_search_is_unavailable(answer: Any) -> None:
    with pytest.raises(PatientDirectoryUnavailableError):
        _directory(answer).patient_by_snils("11223344595", "sub-1")
