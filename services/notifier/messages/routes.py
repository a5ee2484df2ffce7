from __future__ import annotations

from fastapi import APIRouter, status

from notifier.dependencies import ClaimsDep, SessionDep
from notifier.messages import service
from shared.contracts.notifier import MessageAccepted, MessageRequest, MessageStatus

router = APIRouter(prefix="/v1/messages", tags=["messages"])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MessageAccepted,
    summary="Accept a message for delivery (bearer JWT with audience `notifier`)",
)
def create_message(body: MessageRequest, claims: ClaimsDep, session: SessionDep) -> MessageAccepted:
    message = service.accept_message(session, body, sender=str(claims.get("client_id") or claims["sub"]))
    return MessageAccepted(id=message.id, status=message.status)


@router.get("/{message_id}", response_model=MessageStatus, summary="A message's delivery status")
def get_message(message_id: str, claims: ClaimsDep, session: SessionDep) -> MessageStatus:
    message = service.get_message(session, message_id, sender=str(claims.get("client_id") or claims["sub"]))
    return MessageStatus(
        id=message.id,
        template=message.template,
        status=message.status,
        channels=list(message.channels),
        created_at=message.created_at,
    )
