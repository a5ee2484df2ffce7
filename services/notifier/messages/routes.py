from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from notifier.dependencies import CallerDep, IntakeDep, SessionDep
from notifier.messages import service
from shared.contracts.notifier import MessageAccepted, MessageRequest, MessageStatus
from shared.db import utcnow

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
        200: {"description": "A replay of an earlier request with the same Idempotency-Key and body"},
        409: {"description": "The Idempotency-Key was used with a different body"},
        422: {"description": "Unknown template, missing or invalid parameter, no usable channel"},
        429: {"description": "Too many messages to this recipient (see Retry-After)"},
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


@router.get("/{message_id}", response_model=MessageStatus, summary="A message's delivery status and attempts")
def get_message(message_id: str, caller: CallerDep, session: SessionDep, intake: IntakeDep) -> MessageStatus:
    return service.get_status(session, message_id, sender=caller, sealer=intake.sealer)
