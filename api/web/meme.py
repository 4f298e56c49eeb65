"""One meme (`/memes/{id}`): read it; replace, patch or delete it with its edit token.
Docstrings become the descriptions in openapi.json."""

import json
from collections.abc import Callable
from typing import Annotated, Any

from aiohttp import web
from aiohttp_pydantic.oas.typing import (
    r200,
    r204,
    r304,
    r400,
    r401,
    r403,
    r404,
    r413,
    r415,
    r422,
    r503,
)
from pydantic import Field

from api.domain import memes, moderation
from api.domain.moderators import maybe_moderator
from api.domain.owners import authorize
from api.errors import Forbidden, UnsupportedMediaType
from api.values.meme_text import MemeText, Note
from api.web.base import (
    BaseView,
    field_error,
    meme_response,
    meme_text,
    moderator_reason,
    spec_notes,
)
from api.web.conditional import etag_matches, etag_of
from api.web.forms import meme_form
from api.web.json_body import JSON_TYPES, json_object
from api.web.links import page_link
from api.web.memes import MemeId
from api.web.models import Meme, ProblemDetail
from api.web.sensitive import alone, from_form, from_json, mark_alone

VISIBILITIES = ("public", "hidden")
Reason = Annotated[
    Note | None, Field(description="A moderator's reason, for the moderation log")
]  # RFC 7396: null removes a member; what a removed description or tag list is.
REMOVED = {"description": "", "tags": []}
# The status codes PUT and PATCH answer with, as each docstring (so openapi.json) lists them.
CHANGED = """\
        Tags: memes
        Status Codes:
            200: The updated meme
            400: The body is malformed JSON or multipart
            401: No token was sent
            403: The token is not this meme's, or not a moderator's for `visibility`, or a moderator decided `sensitive`
            404: No meme has this id, whatever the token; a hidden meme is 404 but to moderators
            413: The picture is over the size cap, or would be once cleaned
            415: The body is neither JSON nor multipart/form-data, or the picture is not an allowed type
            422: A field breaks a rule, the picture does not decode, or a moderator banned it
            503: The media service or the database is unavailable; nothing was changed
"""
Changed = (
    r200[Meme]
    | r400[ProblemDetail]
    | r401[ProblemDetail]
    | r403[ProblemDetail]
    | r404[ProblemDetail]
    | r413[ProblemDetail]
    | r415[ProblemDetail]
    | r422[ProblemDetail]
    | r503[ProblemDetail]
)


def _merged(meme_json: str, patch: dict[str, Any]) -> MemeText:
    current = json.loads(meme_json)
    fields = {name: current[name] for name in MemeText.model_fields}
    for name, value in patch.items():
        fields[name] = REMOVED.get(name) if value is None and name in REMOVED else value
    return meme_text(fields)


async def _set_visibility(
    services: Any, meme_id: int, moderator: str | None, fields: dict[str, Any]
) -> dict:
    """A moderator's `{"visibility": "hidden"|"public", "reason": ...}`: sent alone, so that
    the answer is true of all of it (the words change in another transaction)."""
    if moderator is None:
        raise Forbidden("Only a moderator may hide or restore a meme")
    visibility, reason = fields.pop("visibility"), moderator_reason(fields.pop("reason", None))
    if fields:
        raise field_error(next(iter(fields)), "is changed alone, not with visibility")
    if visibility not in VISIBILITIES:
        raise field_error("visibility", "is public or hidden")
    return await moderation.set_visibility(services, meme_id, visibility, moderator, reason)


def _changed_doc(handler: Callable) -> Callable:
    """The status codes PUT and PATCH share, into the handler's docstring (openapi.json)."""
    handler.__doc__ = handler.__doc__.replace("        {CHANGED}\n", CHANGED)
    return handler


class MemeView(BaseView):
    @spec_notes(headers={"200": ("ETag", "Link"), "304": ("ETag",)})
    async def get(
        self, id: MemeId, /, *, if_none_match: str | None = None
    ) -> r200[Meme] | r304 | r404[ProblemDetail] | r422[ProblemDetail] | r503[ProblemDetail]:
        """One meme.

        A meme a moderator hid is 404, as a deleted one is, unless a moderator's token is sent
        (`Authorization: Bearer <token>`): it then shows with `"visibility": "hidden"`.

        Its page in the gallery, as an absolute URL to show people, is in the `Link` header
        (`rel="alternate"`); the URLs in the JSON are paths, from the root of the api's
        address.

        The `ETag` is the sha256 of the JSON: send it back in `If-None-Match` to get a 304
        while the meme has not changed.

        Tags: memes
        Status Codes:
            200: The meme
            304: The meme has not changed
            404: No meme has this id (or it is hidden, and the token is not a moderator's)
            422: The id is not a positive integer
            503: The database took too long to answer
        """
        moderator = maybe_moderator(self.services, self.request.headers.get("Authorization"))
        meme = await memes.get(self.services, id, hidden=moderator is not None)
        etag = etag_of([meme["json"].encode()])
        if etag_matches(self.request, etag):
            return web.Response(status=304, headers={"ETag": etag})
        return meme_response(meme, headers={"ETag": etag, "Link": page_link(self.request, id)})

    head = get

    @spec_notes(reads_meme="replace", secured=True)
    @_changed_doc
    async def put(self, id: MemeId, /) -> Changed:
        """Replace a meme's title, description and tags, and optionally its picture.

        Needs the meme's `edit_token` (or the moderator's token): `Authorization: Bearer
        <token>`. Send JSON (`{"title": ..., "description": ..., "tags": [...]}`) to change the
        words only, or `multipart/form-data` with `title`, `description`, `tags` and optionally
        `image` to change the picture too. A description or tags left out become empty. The old
        picture is deleted once no meme uses it.

        {CHANGED}
        """
        moderator = await authorize(self.services, id, self.request.headers.get("Authorization"))
        return await self._change(id, meme_text, moderator)

    @spec_notes(reads_meme="patch", secured=True)
    @_changed_doc
    async def patch(self, id: MemeId, /) -> Changed:
        """Change only the fields given.

        Needs the meme's `edit_token` (or the moderator's token). Send a JSON merge patch
        (`application/merge-patch+json`, RFC 7396; plain `application/json` too) with any of
        `title`, `description`, `tags`, `sensitive`: `null` empties a description or the tags.
        Or send `multipart/form-data` with any of the form's fields: `image` alone replaces the
        picture and nothing else.

        `"sensitive": true` marks the meme sensitive, `false` takes the mark back. A
        moderator's mark or unmark (logged, with an optional `reason`) overrules the NSFW
        score and the poster, who cannot change it (403).

        A moderator hides a meme with `{"visibility": "hidden"}` (and restores it with
        `"public"`), sent alone or with a `reason` for the moderation log: a hidden meme is 404
        to everyone else, and left out of every list, count and picture URL.

        {CHANGED}
        """
        moderator = await authorize(self.services, id, self.request.headers.get("Authorization"))
        fields = None
        if self.request.content_type in JSON_TYPES:
            fields = await json_object(self.request)
            if "visibility" in fields:
                return meme_response(await _set_visibility(self.services, id, moderator, fields))
            if alone(fields):
                return meme_response(await mark_alone(self.services, id, fields, moderator))
        current = await memes.get(self.services, id, hidden=True)  # authorized above
        merged = lambda given: _merged(current["json"], given)
        return await self._change(id, merged, moderator, fields)

    async def _change(
        self,
        id: int,
        text_of: Callable[[dict], MemeText],
        moderator: str | None,
        fields: dict | None = None,
    ) -> web.Response:
        """PUT and PATCH alike: the words (and the sensitive mark) from JSON (`fields`, if
        already read) or a form, and the form's picture."""
        services, request = self.services, self.request
        if request.content_type in JSON_TYPES:
            fields = fields if fields is not None else await json_object(request)
            mark = from_json(fields, moderator)
            meme = await memes.replace(services, id, text_of(fields), None, mark)
        elif request.content_type == "multipart/form-data":
            async with meme_form(request) as form:
                mark = from_form(form.sensitive, moderator)
                text = text_of(form.text)
                meme = await memes.replace(services, id, text, form.image, mark)
        else:
            raise UnsupportedMediaType("Send JSON or multipart/form-data")
        return meme_response(meme)

    @spec_notes(secured=True)
    async def delete(
        self, id: MemeId, /, reason: Reason = None
    ) -> (
        r204
        | r401[ProblemDetail]
        | r403[ProblemDetail]
        | r404[ProblemDetail]
        | r422[ProblemDetail]
        | r503[ProblemDetail]
    ):
        """Delete a meme and, when no other meme uses it, its picture.

        Needs the meme's `edit_token` (or a moderator's token): `Authorization: Bearer
        <token>`. A moderator's delete is in the moderation log, with the `reason` given.

        Tags: memes
        Status Codes:
            204: Deleted
            401: No token was sent
            403: The token is not this meme's
            404: No meme has this id, whatever the token; a hidden meme is 404 but to moderators
            422: The id is not a positive integer
            503: The database is unavailable; nothing was deleted
        """
        moderator = await authorize(self.services, id, self.request.headers.get("Authorization"))
        if moderator is None:
            await memes.delete(self.services, id)
        else:
            await moderation.remove(self.services, id, moderator, reason)
        return web.Response(status=204)
