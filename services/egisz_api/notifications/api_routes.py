"""``/api/v1/me/notification-settings`` (EGISZ.md §5 row 34): the «Уведомления» page's choices as
JSON for the patient's own apps, behind a bearer token with the ``notifications.rw`` scope."""

from __future__ import annotations

from fastapi import APIRouter, Request

from egisz_api.dependencies import ClaimsDep, SessionDep
from egisz_api.notifications import service
from egisz_api.notifications.schemas import NotificationSettingsIn, NotificationSettingsOut
from shared.openapi import BEARER_ERRORS, problem_responses

router = APIRouter(prefix="/api/v1/me", tags=["notifications"])
PATH = "/notification-settings"
_DESCRIPTION = (
    "R-EGZ-6: which events (`new_result`, `record_accessed`, `consent_changed`, `request_processed`) "
    "reach the patient over "
    "which channels (`email`, `sms`, `push` = ЕПГУ). Needs a patient's bearer token from the idp with "
    "the custom scope `notifications.rw` (the idp adds the `patient` claim). The same choices the "
    "cabinet's page `/cabinet/settings/notifications` edits (docs/rights.md)."
)
_ERRORS = {
    401: BEARER_ERRORS[401],
    403: "No `notifications.rw` scope (`insufficient_scope`), a staff token or no Patient (`access_denied`)",
}


@router.get(
    PATH,
    response_model=NotificationSettingsOut,
    summary="The patient's notification settings",
    description=_DESCRIPTION,
    responses=problem_responses(_ERRORS),
)
def read_settings(claims: ClaimsDep, session: SessionDep) -> NotificationSettingsOut:
    return service.settings_for_token(session, claims)


@router.put(
    PATH,
    response_model=NotificationSettingsOut,
    summary="Replace the patient's notification settings",
    description=_DESCRIPTION
    + " Every event must be named (an empty list: not told); an unknown event or channel, or a "
    "value of the wrong type, is a 422 problem.",
    responses=problem_responses({**_ERRORS, 422: "An unknown event or channel, or a wrong type"}),
)
def replace_settings(
    request: Request, body: NotificationSettingsIn, claims: ClaimsDep, session: SessionDep
) -> NotificationSettingsOut:
    return service.replace_settings_for_token(session, claims, body, clock=request.app.state.clock)
