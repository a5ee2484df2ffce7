"""The account's bank links as the cabinet sees them (issue 15 item 4): listed in «Безопасность»
with when each was last used, and removable while another way in remains."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from idp.accounts.models import Account
from idp.audit import service as audit
from idp.brokering import repository
from idp.brokering.models import BankLink
from idp.login.flow import Client


def my_links(session: Session, account_id: int) -> Sequence[BankLink]:
    return repository.links_of_account(session, account_id)


def unlink(
    session: Session, account: Account, link_id: int, who: Client, *, leaves_a_way_in: Callable[[], bool]
) -> str | None:
    """Remove a link of this account; the refusal's reason (``not_found``, ``last_way_in``) or None."""
    link = next((k for k in repository.links_of_account(session, account.id) if k.id == link_id), None)
    if link is None:
        return "not_found"  # another account's link is not found either (no IDOR oracle)
    if not leaves_a_way_in():
        return "last_way_in"
    repository.delete_link(session, link)
    audit.record_event(
        session,
        event_type="bank_unlinked",
        result="success",
        actor=f"account:{account.id}",
        account_id=account.id,
        ip=who.ip,
        user_agent=who.user_agent,
        details={"bank": link.bank, "link_id": link.id},
    )
    return None
