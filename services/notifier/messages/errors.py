"""Failures of accepting, showing and requeueing messages."""

from __future__ import annotations

from shared.errors import AppError, ConflictError, NotFoundError


class MessageNotFoundError(NotFoundError):
    code = "message_not_found"
    title = "Message not found"


class IdempotencyKeyReusedError(ConflictError):
    code = "idempotency_key_reused"
    title = "Idempotency key reused with a different request"


class RecipientRateLimitedError(AppError):
    status_code = 429
    code = "recipient_rate_limited"
    title = "Too many messages to this recipient"


class MessageAlreadyExpiredError(AppError):
    status_code = 422
    code = "already_expired"
    title = "The message expired before it was accepted"


class ChannelUnavailableError(AppError):
    status_code = 422
    code = "channel_unavailable"
    title = "No requested channel is available"


class NotRequeueableError(ConflictError):
    code = "not_requeueable"
    title = "The message cannot be requeued"
