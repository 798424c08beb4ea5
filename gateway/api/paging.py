"""Cursor pagination: lists are ordered by id and continue `after` an opaque cursor.

A cursor is URL-safe base64 of a small versioned text ("l1:<id>" for lists,
"e1:<txid>:<id>" for the change feed). Clients must treat it as opaque; the server
can change its content under a new version prefix without breaking them.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

import marshmallow as ma
from sqlalchemy import Select, select

from gateway.store.events import Position

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_LIST = re.compile(r"^l1:(\d{1,18})$")
_FEED = re.compile(r"^e1:(\d{1,18}):(\d{1,18})$")


class BadCursor(ValueError):
    """The cursor was not made by this API."""


def _encode(plain: str) -> str:
    return base64.urlsafe_b64encode(plain.encode()).decode().rstrip("=")


def _decode(cursor: str, pattern: re.Pattern[str]) -> re.Match[str]:
    try:
        plain = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        raise BadCursor("not a cursor of this API") from None
    match = pattern.match(plain)
    if match is None:
        raise BadCursor("not a cursor of this API")
    return match


def list_cursor(last_id: int) -> str:
    """The cursor after the record `last_id` of a list."""
    return _encode(f"l1:{last_id}")


def feed_cursor(position: Position) -> str:
    """The cursor after a feed position."""
    return _encode(f"e1:{position.txid}:{position.id}")


class ListCursor(ma.fields.String):
    """A list cursor, loaded as the id it continues after."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> int:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return int(_decode(text, _LIST).group(1))
        except BadCursor as error:
            raise ma.ValidationError(str(error)) from None


class FeedCursor(ma.fields.String):
    """A change-feed cursor, loaded as its position."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> Position:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            match = _decode(text, _FEED)
        except BadCursor as error:
            raise ma.ValidationError(str(error)) from None
        return Position(int(match.group(1)), int(match.group(2)))


def limit_field(default: int = DEFAULT_LIMIT) -> ma.fields.Integer:
    """The `limit` query parameter: 1..MAX_LIMIT."""
    return ma.fields.Integer(load_default=default, validate=ma.validate.Range(1, MAX_LIMIT),
                             metadata={"description": f"page size, 1-{MAX_LIMIT}"})


class PageArgs(ma.Schema):
    """`after` and `limit` of every list."""

    after = ListCursor(metadata={"description": "the `next` cursor of the previous page"})
    limit = limit_field()


def listing(model: type, args: dict[str, Any], *equal: str) -> Select:
    """The query of a list page of `model`: oldest first, after the cursor in `args`,
    and for each name in `equal` given in `args`, only rows whose column of that name
    equals it. It fetches limit + 1 rows so that `page` knows whether more follow."""
    query = select(model).order_by(model.id).limit(args["limit"] + 1)
    if "after" in args:
        query = query.where(model.id > args["after"])
    for name in equal:
        if name in args:
            query = query.where(getattr(model, name) == args[name])
    return query


def page(items: list[Any], limit: int) -> dict[str, Any]:
    """A page from up to limit+1 rows fetched: the first `limit`, and the cursor of the
    next page when there was one more row (None at the end)."""
    shown = items[:limit]
    more = len(items) > limit
    return {"items": shown, "next": list_cursor(shown[-1].id) if more else None}


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The schema of a page of `item`s, named `name` in the OpenAPI document."""
    return ma.Schema.from_dict({
        "items": ma.fields.List(ma.fields.Nested(item), required=True),
        "next": ma.fields.String(allow_none=True, required=True, metadata={
            "description": "cursor of the next page (`after`), null on the last page"}),
    }, name=name)
