"""E-mail over SMTP (aiosmtplib): STARTTLS, implicit TLS or plain, optional login.

Every e-mail carries ``Message-ID: <message id@domain>``: a retried message keeps its Message-ID,
so a mail system (or a person) can recognise the duplicate that at-least-once delivery allows.
"""

from __future__ import annotations

from contextlib import suppress
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

import aiosmtplib

from notifier.channels.base import Envelope, PermanentSendError, TransientSendError


class SmtpSender:
    channel = "email"
    name = "smtp"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str,
        username: str | None,
        password: str | None,
        from_address: str,
        timeout: float,
        validate_certs: bool = True,
    ) -> None:
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.from_address = from_address
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.domain = parseaddr(from_address)[1].rpartition("@")[2] or "notifier.localhost"

    def build(self, envelope: Envelope) -> EmailMessage:
        content = envelope.content
        mail = EmailMessage()
        mail["From"] = self.from_address
        mail["To"] = envelope.address
        mail["Subject"] = content.subject
        mail["Date"] = formatdate(usegmt=True)
        mail["Message-ID"] = f"<{envelope.message_id}@{self.domain}>"
        mail["X-Notifier-Message-Id"] = envelope.message_id
        mail["Auto-Submitted"] = "auto-generated"  # RFC 3834 §5: no auto-replies, please
        mail["Content-Language"] = envelope.locale
        mail.set_content(content.text)
        mail.add_alternative(content.html, subtype="html")
        return mail

    async def send(self, envelope: Envelope) -> str | None:
        mail = self.build(envelope)
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.security == "tls",
            start_tls=self.security == "starttls",
            timeout=self.timeout,
            validate_certs=self.validate_certs,
        )
        try:
            await client.connect()  # also STARTTLS and login, as configured
            await client.send_message(mail)
            with suppress(aiosmtplib.SMTPException):
                await client.quit()
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = sorted({r.code for r in exc.recipients})
            reason = f"SMTP refused the recipient ({', '.join(map(str, codes))})"
            if all(400 <= c < 500 for c in codes):
                raise TransientSendError(reason) from None
            raise PermanentSendError(reason) from None
        except aiosmtplib.SMTPResponseException as exc:
            # RFC 5321 §4.2.1: 4yz is a transient failure, 5yz a permanent one (which includes a
            # refused login: better to fall back to the next channel than to retry a bad password).
            reason = f"SMTP answered {exc.code}"
            if 500 <= exc.code < 600:
                raise PermanentSendError(reason) from None
            raise TransientSendError(reason) from None
        except aiosmtplib.SMTPException as exc:
            if self.security == "starttls" and "STARTTLS" in str(exc):
                # Never fall back to plain text: that would hand codes to whoever is on the path.
                raise PermanentSendError("SMTP server does not offer STARTTLS") from None
            raise TransientSendError(f"SMTP unreachable: {type(exc).__name__}") from None
        except OSError as exc:
            raise TransientSendError(f"SMTP unreachable: {type(exc).__name__}") from None
        finally:
            # Not ``async with``: on cancellation (shutdown) that would wait for a polite QUIT.
            client.close()
        return str(mail["Message-ID"])

    async def aclose(self) -> None:
        return None
