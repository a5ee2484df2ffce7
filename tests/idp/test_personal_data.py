"""Personal data at rest (R-SEC-2): key rotation of FieldCipher and re-encryption of stored values."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import pytest
from pydantic import SecretStr
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from idp.accounts.models import Account
from idp.accounts.protection import FieldCipher, UndecryptableValueError, previous_secrets
from idp.accounts.reencrypt import encrypted_fields, lookup_sources, reencrypt_personal_data
from idp.accounts.service import find_by_login
from idp.audit.models import SecurityEvent, SecurityLogHead
from idp.database import Base
from idp.settings import IdpSettings
from shared.db import make_engine, make_sessionmaker
from tests.cli import invoke

OLD = "personal-data-key-of-last-year-0123456789abcdef"
NEW = "personal-data-key-of-this-year-fedcba9876543210"
SNILS = ["11223344595", "12345678964", "98765432100"]
ACCOUNTS = cast(Table, Account.__table__)


@dataclass
class AccountsDb:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]


@pytest.fixture
def accounts_db(make_db: Callable[..., str]) -> Iterator[AccountsDb]:
    """A migrated idp database plus the security-log tables (their migration is not written yet)."""
    url = make_db("idp")
    engine = make_engine(url)
    Base.metadata.create_all(engine, tables=[SecurityEvent.__table__, SecurityLogHead.__table__])
    yield AccountsDb(url, engine, make_sessionmaker(engine, write_lock=True))
    engine.dispose()


def add_account(session: Session, cipher: FieldCipher, snils: str | None) -> int:
    values: dict[str, Any] = {
        "oid": 1_000_000_000 + int(uuid.uuid4().int % 1_000_000),
        "sub": str(uuid.uuid4()),
        "last_name": "Петрова",
        "first_name": "Анна",
        "password_hash": "argon2-hash-not-used-here",
    }
    if snils is not None:
        values["snils_encrypted"] = cipher.seal(snils, "snils")
        values["snils_lookup"] = cipher.lookup_hash(snils, "snils")
    result = session.execute(insert(ACCOUNTS).values(values))
    return int(result.inserted_primary_key[0])


def stored(session: Session, account_id: int) -> Any:
    return session.execute(select(ACCOUNTS).where(ACCOUNTS.c.id == account_id)).one()


# --- FieldCipher -----------------------------------------------------------------------------------


def test_a_value_under_a_previous_key_opens_and_needs_reencryption() -> None:
    old_value = FieldCipher(OLD).seal("11223344595", "snils")
    rotated = FieldCipher(NEW, previous=(OLD,))
    assert rotated.open(old_value, "snils") == "11223344595"
    assert rotated.needs_reencryption(old_value)
    new_value = rotated.seal("11223344595", "snils")
    assert not rotated.needs_reencryption(new_value)
    assert new_value.split(".")[0] == rotated.key_id == FieldCipher(NEW).key_id
    assert rotated.key_ids == (FieldCipher(NEW).key_id, FieldCipher(OLD).key_id)
    with pytest.raises(UndecryptableValueError):
        FieldCipher(NEW).open(old_value, "snils")  # the old key dropped: the value is unreadable


@pytest.mark.parametrize(
    "damage",
    [
        lambda sealed: "11223344595",  # plaintext where ciphertext belongs
        lambda sealed: sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB"),  # bit flip
        lambda sealed: sealed.split(".")[0] + ".not base64!",
        lambda sealed: "",
    ],
)
def test_a_value_no_key_opens_raises_a_clear_error_without_the_value(damage: Callable[[str], str]) -> None:
    cipher = FieldCipher(NEW, previous=(OLD,))
    with pytest.raises(UndecryptableValueError) as refused:
        cipher.open(damage(cipher.seal("11223344595", "snils")), "snils")
    assert "11223344595" not in str(refused.value)


def test_a_value_opened_as_another_field_is_refused() -> None:
    cipher = FieldCipher(NEW)
    with pytest.raises(UndecryptableValueError):
        cipher.open(cipher.seal("500100732259", "inn"), "snils")


def test_previous_keys_come_from_a_comma_separated_setting() -> None:
    assert previous_secrets(SecretStr(f" {OLD} ,, {NEW}")) == (OLD, NEW)
    assert previous_secrets(None) == () and previous_secrets("") == ()
    assert previous_secrets([OLD, " "]) == (OLD,)


def test_the_lookup_key_follows_the_current_secret() -> None:
    old, rotated = FieldCipher(OLD), FieldCipher(NEW, previous=(OLD,))
    assert rotated.lookup_hash("11223344595", "snils") != old.lookup_hash("11223344595", "snils")
    hashes = rotated.lookup_hashes("11223344595", "snils")
    assert list(hashes.values()) == [
        rotated.lookup_hash("11223344595", "snils"),
        old.lookup_hash("11223344595", "snils"),
    ]


# --- re-encryption ---------------------------------------------------------------------------------


def test_reencryption_moves_values_to_the_current_key_and_lookups_still_find_the_account(
    accounts_db: AccountsDb,
) -> None:
    old, rotated, only_new = FieldCipher(OLD), FieldCipher(NEW, previous=(OLD,)), FieldCipher(NEW)
    with accounts_db.sessions() as session:
        ids = {snils: add_account(session, old, snils) for snils in SNILS[:2]}
        ids[SNILS[2]] = add_account(session, rotated, SNILS[2])  # already under the new key
        add_account(session, old, None)  # no personal data to re-encrypt
        session.commit()
        # The problem being solved: under the new secret the old lookups find nobody.
        assert find_by_login(session, only_new, SNILS[0]) is None

        report = reencrypt_personal_data(session, rotated)
        session.commit()
        assert report.failures == []
        assert report.rows == 3 and report.columns["snils_encrypted"].values == 3
        assert report.reencrypted == 2 and report.lookups_updated == 2
        assert report.as_dict()["reencrypted"] == 2 and report.as_dict()["lookups"]["snils_lookup"] == 2

    with accounts_db.sessions() as session:
        for snils, account_id in ids.items():
            row = stored(session, account_id)
            assert only_new.open(row.snils_encrypted, "snils") == snils
            found = find_by_login(session, only_new, snils)
            assert found is not None and found.id == account_id
        again = reencrypt_personal_data(session, rotated)
        assert again.reencrypted == 0 and again.lookups_updated == 0 and again.failures == []


def test_every_encrypted_column_of_the_table_is_covered(accounts_db: AccountsDb) -> None:
    """Columns are found by their ``_encrypted`` suffix: INN and passport fields need no code."""
    people = Table(
        "people",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("inn_encrypted", String(200)),
        Column("inn_lookup", String(64), unique=True),
        Column("passport_series_encrypted", String(200)),
        Column("passport_number_encrypted", String(200)),
        Column("passport_issuer_encrypted", String(600)),
        Column("passport_lookup", String(64), unique=True),
        Column("note", String(50)),
    )
    people.create(accounts_db.engine)
    assert encrypted_fields(people) == ["inn", "passport_series", "passport_number", "passport_issuer"]
    assert "snils" in encrypted_fields(ACCOUNTS)
    old, rotated, only_new = FieldCipher(OLD), FieldCipher(NEW, previous=(OLD,)), FieldCipher(NEW)
    person = {
        "inn": "500100732259",
        "passport_series": "4510",
        "passport_number": "123456",
        "passport_issuer": "ОВД района Арбат г. Москвы",
    }
    with accounts_db.sessions() as session:
        values: dict[str, Any] = {f"{k}_encrypted": old.seal(v, k) for k, v in person.items()}
        values["inn_lookup"] = old.lookup_hash(person["inn"], "inn")
        values["passport_lookup"] = old.lookup_hash("4510123456", "passport")  # series + number
        session.execute(insert(people).values(id=1, note="plain", **values))
        session.commit()
        report = reencrypt_personal_data(session, rotated, table=people)
        session.commit()
        assert report.failures == [] and report.reencrypted == 4 and report.lookups_updated == 2
        row = session.execute(select(people)).one()
    for field, value in person.items():
        assert only_new.open(getattr(row, f"{field}_encrypted"), field) == value
    assert row.inn_lookup == only_new.lookup_hash(person["inn"], "inn")
    assert row.passport_lookup == only_new.combined_lookup_hash("passport", person)
    assert row.note == "plain"


def test_every_encrypted_column_of_the_accounts_table_moves_to_the_new_key(accounts_db: AccountsDb) -> None:
    old, rotated, only_new = FieldCipher(OLD), FieldCipher(NEW, previous=(OLD,)), FieldCipher(NEW)
    fields = encrypted_fields(ACCOUNTS)
    plain = {field: f"{field}-{index}" for index, field in enumerate(fields)}
    lookups = lookup_sources(ACCOUNTS)
    with accounts_db.sessions() as session:
        account = add_account(session, old, None)
        values: dict[str, Any] = {f"{f}_encrypted": old.seal(v, f) for f, v in plain.items()}
        for name, sources in lookups.items():
            values[f"{name}_lookup"] = (
                old.lookup_hash(plain[name], name)
                if sources == (name,)
                else old.combined_lookup_hash(name, plain)
            )
        session.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == account).values(values))
        session.commit()
        report = reencrypt_personal_data(session, rotated)
        session.commit()
        assert report.failures == []
        assert report.reencrypted == len(fields) and report.lookups_updated == len(lookups)
        row = stored(session, account)
    for field, value in plain.items():
        assert only_new.open(getattr(row, f"{field}_encrypted"), field) == value
    for name, sources in lookups.items():
        expected = (
            only_new.lookup_hash(plain[name], name)
            if sources == (name,)
            else only_new.combined_lookup_hash(name, plain)
        )
        assert getattr(row, f"{name}_lookup") == expected


def test_a_value_that_is_not_ciphertext_is_reported_with_its_row_and_the_rest_goes_on(
    accounts_db: AccountsDb,
) -> None:
    old, rotated, only_new = FieldCipher(OLD), FieldCipher(NEW, previous=(OLD,)), FieldCipher(NEW)
    with accounts_db.sessions() as session:
        first, broken, last = (add_account(session, old, snils) for snils in SNILS)
        session.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == broken).values(snils_encrypted=SNILS[1]))
        session.commit()
        report = reencrypt_personal_data(session, rotated)
        session.commit()
    assert [(f.account_id, f.column) for f in report.failures] == [(broken, "snils_encrypted")]
    assert SNILS[1] not in json.dumps(report.as_dict())
    assert report.reencrypted == 2
    with accounts_db.sessions() as session:
        assert only_new.open(stored(session, first).snils_encrypted, "snils") == SNILS[0]
        assert only_new.open(stored(session, last).snils_encrypted, "snils") == SNILS[2]
        assert stored(session, broken).snils_encrypted == SNILS[1]  # left for a person to look at


def test_a_lookup_that_would_collide_is_reported_and_its_row_left_unchanged(accounts_db: AccountsDb) -> None:
    """Between the key change and the re-encryption the same SNILS can be stored again under the new
    lookup key; the old row's recomputed lookup then collides. That row is reported, the others are
    still re-encrypted in the same transaction (a savepoint per row)."""
    old, rotated = FieldCipher(OLD), FieldCipher(NEW, previous=(OLD,))
    with accounts_db.sessions() as session:
        older = add_account(session, old, SNILS[0])
        add_account(session, rotated, SNILS[0])
        other = add_account(session, old, SNILS[1])
        session.commit()
        before = stored(session, older)
        report = reencrypt_personal_data(session, rotated)
        session.commit()
        assert [f.account_id for f in report.failures] == [older]
        assert "collides" in report.failures[0].reason
        assert report.reencrypted == 1
        after = stored(session, older)
        assert (after.snils_encrypted, after.snils_lookup) == (before.snils_encrypted, before.snils_lookup)
        assert not rotated.needs_reencryption(stored(session, other).snils_encrypted)


def test_a_lookup_not_computed_by_any_configured_key_is_reported_not_overwritten(
    accounts_db: AccountsDb,
) -> None:
    old, rotated = FieldCipher(OLD), FieldCipher(NEW, previous=(OLD,))
    with accounts_db.sessions() as session:
        account = add_account(session, old, SNILS[0])
        session.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == account).values(snils_lookup="f" * 64))
        session.commit()
        report = reencrypt_personal_data(session, rotated)
        session.commit()
        assert [(f.account_id, f.column) for f in report.failures] == [(account, "snils_lookup")]
        assert stored(session, account).snils_lookup == "f" * 64
        assert report.reencrypted == 1  # the value itself still moved to the new key


def test_batches_resume_after_the_last_id(accounts_db: AccountsDb) -> None:
    old, rotated = FieldCipher(OLD), FieldCipher(NEW, previous=(OLD,))
    with accounts_db.sessions() as session:
        for snils in SNILS:
            add_account(session, old, snils)
        session.commit()
        first = reencrypt_personal_data(session, rotated, max_rows=2)
        session.commit()
        rest = reencrypt_personal_data(session, rotated, start_after_id=first.last_id, max_rows=2)
        assert (first.rows, first.reencrypted, rest.rows, rest.reencrypted) == (2, 2, 1, 1)


# --- the operator command ------------------------------------------------------------------------


def cli(db: AccountsDb, **settings: Any) -> subprocess.CompletedProcess[str]:
    return invoke(
        "idp",
        {"dev_mode": True, "database_url": db.url, **settings},
        "reencrypt-personal-data",
        "--batch-size",
        "2",
    )


@pytest.mark.skipif(
    "personal_data_previous_keys" not in IdpSettings.model_fields,
    reason="IdpSettings has no personal_data_previous_keys (IDP_PERSONAL_DATA_PREVIOUS_KEYS) yet",
)
def test_cli_reencrypts_under_the_current_key_with_previous_keys_from_settings(
    accounts_db: AccountsDb,
) -> None:
    old, only_new = FieldCipher(OLD), FieldCipher(NEW)
    with accounts_db.sessions() as session:
        ids = [add_account(session, old, snils) for snils in SNILS]
        session.commit()
    done = cli(accounts_db, personal_data_key=NEW, personal_data_previous_keys=f"{OLD},unused-older-key")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["reencrypted"] == 3 and summary["failed"] == 0 and summary["key_id"] == only_new.key_id
    with accounts_db.sessions() as session:
        for snils, account_id in zip(SNILS, ids, strict=True):
            assert only_new.open(stored(session, account_id).snils_encrypted, "snils") == snils
            assert find_by_login(session, only_new, snils) is not None
        event = session.scalars(select(SecurityEvent)).one()
        assert event.event_type == "admin_action" and event.details["reencrypted"] == 3


def test_cli_reports_the_failing_row_and_exits_1(accounts_db: AccountsDb) -> None:
    current = FieldCipher(NEW)
    with accounts_db.sessions() as session:
        good = add_account(session, current, SNILS[0])
        bad = add_account(session, current, SNILS[1])
        session.execute(text("UPDATE accounts SET snils_encrypted = 'garbage' WHERE id = :id"), {"id": bad})
        session.commit()
    failed = cli(accounts_db, personal_data_key=NEW)
    assert failed.returncode == 1, failed.stderr
    summary = json.loads(failed.stdout)
    assert summary["failed"] == 1 and summary["failures"][0]["account_id"] == bad
    assert summary["columns"]["snils_encrypted"]["values"] == 2
    with accounts_db.sessions() as session:
        assert current.open(stored(session, good).snils_encrypted, "snils") == SNILS[0]
        event = session.scalars(select(SecurityEvent)).one()
        assert event.result == "failure" and event.details["failed_account_ids"] == [bad]
