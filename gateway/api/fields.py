"""Request fields shared by the resources: integers that fit the records' columns,
phone numbers in any common spelling, venue codes with their check digit, and
UTC-aware times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import marshmallow as ma

from gateway.codes import parse_venue_code
from gateway.edge.inputs import INT_MAX
from gateway.phones import InvalidPhone, normalise


class Integer(ma.fields.Integer):
    """A JSON integer (strict: no floats, no strings) that fits a PostgreSQL `integer`
    column: a larger one is refused with a reason, not failed on in the database."""

    def __init__(self, *, strict: bool = True, validate: Any = None, **kwargs: Any):
        extra = [] if validate is None else validate if isinstance(validate, list) \
            else [validate]
        super().__init__(strict=strict, validate=[ma.validate.Range(
            -INT_MAX - 1, INT_MAX, error="must be between {min} and {max}"), *extra], **kwargs)

    def _validated(self, value: Any) -> int | None:
        try:
            return super()._validated(value)
        except OverflowError:  # int(inf), from a non-strict field given JSON's Infinity
            raise self.make_error("invalid") from None


class PhoneNumber(ma.fields.String):
    """A mobile number in any common spelling ('0912 345 678', '+84912345678',
    '84912345678'), loaded as E.164. The number never appears in the error."""

    def __init__(self, **kwargs: Any):
        metadata = {"description": "a mobile number in any common spelling; stored in "
                                   "E.164", "example": "0912345678", **kwargs.pop("metadata", {})}
        super().__init__(validate=ma.validate.Length(max=40), metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalise(text)
        except InvalidPhone:
            raise ma.ValidationError("not a valid mobile number") from None


class VenueCode(ma.fields.String):
    """A venue's 7-digit code; a wrong check digit is refused, never matched."""

    def __init__(self, **kwargs: Any):
        metadata = {"description": "the venue's 7-digit code", "example": "1234567",
                    **kwargs.pop("metadata", {})}
        super().__init__(validate=ma.validate.Length(max=20), metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr, data, **kwargs) -> str:
        code = parse_venue_code(super()._deserialize(value, attr, data, **kwargs))
        if code is None:
            raise ma.ValidationError("not a venue code (7 digits with a check digit)")
        return code


class Moment(ma.fields.AwareDateTime):
    """An ISO 8601 time; without an offset it is taken as UTC."""

    def __init__(self, **kwargs: Any):
        super().__init__(default_timezone=UTC, **kwargs)

    def _deserialize(self, value: Any, attr, data, **kwargs) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not 1900 <= moment.year <= 9998:  # converting year 1 or 9999 could overflow
            raise ma.ValidationError("out of range")
        return moment.astimezone(UTC)
