from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from notifier.dependencies import CallerDep, IntakeDep, SessionDep
from notifier.messages import service
from shared.contracts.notifier import MessageAccepted, MessageRequest, MessageStatus
from shared.db import utcnow
from shared.openapi import BEARER_ERRORS, problem_responses

router = APIRouter(prefix="/v1/messages", tags=["messages"])

#: draft-ietf-httpapi-idempotency-key-header: an opaque string; we take printable ASCII.
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$"),
]


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MessageAccepted,
    summary="Accept a message for delivery (bearer JWT with audience `notifier`, scope `notify:send`)",
    responses={
        200: {
            "description": "A replay of an earlier request with the same Idempotency-Key and body",
            "model": MessageAccepted,
        },
        **problem_responses(
            {
                400: "The body is not JSON (`malformed_json`)",
                **BEARER_ERRORS,
                409: "The Idempotency-Key was used with a different body (`idempotency_key_reused`)",
                413: "The body is larger than the service accepts (`payload_too_large`)",
                422: "Unknown template, missing or invalid parameter, `expires_at` already past, no"
                " usable channel, or a body that does not fit the schema",
                429: "Too many messages to this recipient (`recipient_rate_limited`, see Retry-After)",
            }
        ),
    },
)
def create_message(
    body: MessageRequest,
    caller: CallerDep,
    session: SessionDep,
    intake: IntakeDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> MessageAccepted:
    message, created = service.accept_message(
        session, body, sender=caller, idempotency_key=idempotency_key, intake=intake, now=utcnow()
    )
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return MessageAccepted(id=message.id, status=message.status)


@router.get(
    "/{message_id}",
    response_model=MessageStatus,
    summary="A message's delivery status and attempts",
    responses=problem_responses(
        {
            **BEARER_ERRORS,
            404: "No message with this id was sent by the calling client (`message_not_found`)",
            422: "The id does not fit the schema (`validation_failed`)",
        }
    ),
)
def get_message(message_id: str, caller: CallerDep, session: SessionDep, intake: IntakeDep) -> MessageStatus:
    return service.get_status(session, message_id, sender=caller, sealer=intake.sealer)
