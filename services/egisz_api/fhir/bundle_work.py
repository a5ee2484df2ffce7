"""What the entries of one transaction Bundle share, so twenty entries do not cost twenty times
what one does (issue 14's benchmark; docs/fhir.md «Transactions and batches»).

- **One Provenance per signature, activity and patient.** A transaction is one signed act: its
  medical entries of one patient get one server-written ``Provenance`` whose ``target`` lists every
  one of them (R4 Provenance.target is 1..*), written after the last entry and before the commit,
  instead of one Provenance per entry. (Per patient, because a Provenance sits in its patient's
  compartment.)
- **Checks done once per patient.** The organisation and consent checks of a write depend on the
  caller (one per Bundle), the patient and whether the type is medical; they run for the first
  entry of a patient and are remembered for the rest of the Bundle, inside its database transaction.
- **Once-per-patient side effects.** The «new result» notice is keyed per patient and hour (one
  notice whatever the number of results); the active Subscriptions of a patient are read once.

A batch does not use this: each of its entries is its own unit (R4 http.html#brules).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from egisz_api.records.schemas import StoredResource
from egisz_api.signatures import service as signatures
from egisz_api.signatures.schemas import SignatureInfo


@dataclass
class BundleWork:
    #: (signature, activity) → the signature and the resources it covers, in entry order
    _provenances: dict[tuple[Hashable, ...], tuple[SignatureInfo, str, list[StoredResource]]] = field(
        default_factory=dict
    )
    #: checks and once-per-key effects already done in this Bundle
    _done: set[Hashable] = field(default_factory=set)
    _memo: dict[Hashable, Any] = field(default_factory=dict)

    def sign(self, info: SignatureInfo, stored: StoredResource, activity: str) -> None:
        """Add ``stored`` to the Bundle's Provenance of ``info`` and ``activity``. Signatures are the
        same when they differ at most in ``when`` (a login without ``auth_time`` is dated by the
        clock at each entry); the first entry's is kept."""
        # one per patient too: a Provenance sits in its target's patient compartment, and a patient
        # must never read another patient's resources among its targets
        signer = (info.kind, info.source, info.who, info.organization, info.thumbprint, info.data)
        key = (activity, stored.patient_id, *signer)
        self._provenances.setdefault(key, (info, activity, []))[2].append(stored)

    def first(self, key: Hashable) -> bool:
        """True the first time ``key`` is seen in this Bundle (then remembered)."""
        if key in self._done:
            return False
        self._done.add(key)
        return True

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def finish(self, session: Session, clock: Callable[[], dt.datetime]) -> None:
        """Write the Bundle's Provenance resources (in its transaction, before the commit)."""
        for info, activity, targets in self._provenances.values():
            signatures.record_provenance(session, info, targets, activity=activity, clock=clock)
        self._provenances.clear()
