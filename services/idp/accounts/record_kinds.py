"""What each kind of person record holds (ESIA.md §7.2): the ОМС policy, addresses, children,
vehicles, birth place and citizenship. Plain rules, no data access: :mod:`idp.accounts.records`
validates a payload here before sealing it.

Field names are ours (snake_case); :mod:`idp.esia.formats` renders them in ESIA's names.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from idp.accounts.validation import FieldError, validate_snils

_TEXT = r"^[^\x00-\x1f\x7f]*$"
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=_TEXT)]
ShortText = Annotated[str, Field(min_length=1, max_length=40, pattern=_TEXT)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MedicalPolicy(_Record):
    """ОМС policy (ESIA document type ``MDCL_PLCY``): the unified number (ЕНП) has 16 digits, older
    policies a series and a shorter number."""

    series: ShortText | None = None
    number: Annotated[str, Field(pattern=r"^\d{6,16}$")]
    issue_date: dt.date | None = None
    issued_by: Text | None = Field(default=None, description="the insurer")
    expiry_date: dt.date | None = None


class Address(_Record):
    """ESIA address fields (``PLV`` place of living, ``PRG`` registration)."""

    type: Literal["PLV", "PRG"]
    address_str: Annotated[str, Field(min_length=1, max_length=500, pattern=_TEXT)]
    fias_code: ShortText | None = None
    country_id: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "RUS"
    zip_code: Annotated[str, Field(pattern=r"^\d{6}$")] | None = None
    region: Text | None = None
    city: Text | None = None
    district: Text | None = None
    area: Text | None = None
    settlement: Text | None = None
    street: Text | None = None
    house: ShortText | None = None
    building: ShortText | None = None
    frame: ShortText | None = None
    flat: ShortText | None = None
    addition_area: Text | None = None
    addition_area_street: Text | None = None


class BirthCertificate(_Record):
    series: ShortText
    number: Annotated[str, Field(pattern=r"^\d{6}$")]
    issue_date: dt.date
    issued_by: Text | None = None
    act_no: ShortText | None = None
    act_date: dt.date | None = None


class Child(_Record):
    last_name: Text
    first_name: Text
    middle_name: Text | None = None
    birth_date: dt.date
    gender: Literal["M", "F"]
    snils: str | None = None
    birth_certificate: BirthCertificate | None = None

    @field_validator("snils")
    @classmethod
    def _snils(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return validate_snils(value)
        except FieldError as exc:
            raise ValueError(f"SNILS is not valid ({exc.code})") from None


class RegistrationCertificate(_Record):
    series: ShortText
    number: ShortText


class Vehicle(_Record):
    name: Text
    number_plate: ShortText
    reg_certificate: RegistrationCertificate | None = None


class BirthPlace(_Record):
    value: Text


class Citizenship(_Record):
    value: Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3, e.g. RUS")]


KINDS: dict[str, type[_Record]] = {
    "medical_policy": MedicalPolicy,
    "address": Address,
    "child": Child,
    "vehicle": Vehicle,
    "birth_place": BirthPlace,
    "citizenship": Citizenship,
}
#: kinds a person has at most one of: adding one replaces the old
SINGLE: frozenset[str] = frozenset({"medical_policy", "birth_place", "citizenship"})


class RecordFieldsError(ValueError):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("invalid record")
        self.errors = errors


def validate_record(kind: str, payload: object) -> dict[str, Any]:
    """The payload as canonical JSON-ready data (dates as ISO strings), or :class:`RecordFieldsError`."""
    model = KINDS.get(kind)
    if model is None:
        raise RecordFieldsError([{"field": "kind", "message": f"Kind must be one of: {', '.join(KINDS)}."}])
    try:
        record = TypeAdapter(model).validate_python(payload)
    except ValidationError as exc:
        raise RecordFieldsError(
            [
                {"field": ".".join(str(p) for p in err["loc"]) or "payload", "message": err["msg"]}
                for err in exc.errors(include_url=False, include_input=False)
            ]
        ) from None
    data: dict[str, Any] = record.model_dump(mode="json", exclude_none=True)
    return data
