"""A meme's `sensitive` mark in a PUT or PATCH (api.domain.sensitive): JSON `"sensitive":
true|false`, with a moderator's `reason` for the log, or the form's `sensitive` field."""

from typing import Any

from api.domain.sensitive import Also, marking, set_sensitive
from api.services import Services
from api.values.row import Row
from api.web.base import field_error, moderator_reason

ALONE = {"sensitive", "reason"}


def from_json(fields: dict[str, Any], moderator: str | None) -> Also | None:
    """The mark a JSON body asks for (taken out of `fields`), or None if it asks for none."""
    if "sensitive" not in fields:
        return None
    sensitive, reason = fields.pop("sensitive"), fields.pop("reason", None)
    if not isinstance(sensitive, bool):
        raise field_error("sensitive", "is true or false")
    if reason is not None and moderator is None:
        raise field_error("reason", "is a moderator's, for the moderation log")
    return marking(sensitive, moderator, moderator_reason(reason))


def from_form(sensitive: bool | None, moderator: str | None) -> Also | None:
    return None if sensitive is None else marking(sensitive, moderator)


def alone(fields: dict[str, Any]) -> bool:
    """The body changes the mark and nothing else."""
    return "sensitive" in fields and set(fields) <= ALONE


async def mark_alone(
    services: Services, meme_id: int, fields: dict[str, Any], moderator: str | None
) -> Row:
    from_json(dict(fields), moderator)  # checks the fields
    reason = moderator_reason(fields.get("reason"))
    return await set_sensitive(services, meme_id, fields["sensitive"], moderator, reason)
