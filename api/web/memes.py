"""The collection of memes: list and create (`/memes`). Docstrings become the descriptions in
openapi.json."""

import json
from typing import Annotated

from aiohttp import web
from aiohttp_pydantic.oas.typing import (
    r200,
    r201,
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

from api.domain import listing, memes
from api.domain.idempotency import idempotent_create
from api.web.base import BaseView, field_error, json_bytes, meme_text, spec_notes
from api.web.conditional import etag_matches, etag_of
from api.web.filters import MemeFilters
from api.web.forms import meme_form
from api.web.links import absolute, page_link
from api.web.models import CreatedMeme, MemePage, ProblemDetail

MemeId = Annotated[int, Field(ge=1, le=2**63 - 1, description="The meme's id", examples=[1])]
Limit = Annotated[
    int, Field(ge=1, le=100, description="How many memes at most (1-100)", examples=[20])
]
Offset = Annotated[
    int, Field(ge=0, le=2**63 - 1, description="How many memes to skip", examples=[0])
]
Cursor = Annotated[
    str | None, Field(max_length=1000, description="The `next` of the previous page")
]
IdempotencyKey = Annotated[
    str | None,
    Field(
        min_length=16,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="A key of your own, 16 to 255 printable characters (a UUID, say), that"
        " makes the create safe to retry: the same key from the same client within 24 hours"
        " answers with the meme the first request made",
    ),
]


class MemeCollectionView(BaseView):
    @spec_notes(headers={"200": ("Link", "ETag"), "304": ("ETag",)})
    async def get(
        self,
        filters: MemeFilters,
        limit: Limit = 20,
        offset: Offset = 0,
        cursor: Cursor = None,
        *,
        if_none_match: str | None = None,
    ) -> (
        r200[MemePage]
        | r304
        | r400[ProblemDetail]
        | r401[ProblemDetail]
        | r403[ProblemDetail]
        | r422[ProblemDetail]
        | r503[ProblemDetail]
    ):
        """A page of memes, newest first unless `sort` or `q` says otherwise.

        Filters combine: `q` searches title, tags and description (every word, as a prefix;
        ranked by relevance unless `sort` is given), `tag=x` keeps memes tagged x,
        `tags_all=a&tags_all=b` those with all of them, `tags_any=a&tags_any=b` those with any,
        `sha256` those using that picture. `sort` is `created_at`, `-created_at`, `title` or
        `-title`, ties broken by id. Memes a moderator hid are in no list, count or total;
        moderators list them with `visibility=hidden` (or `all`) and their token.

        Page with `offset`, or with the `next` cursor of the previous page (also given in a
        `Link: <...>; rel="next"` header): cursors continue in constant time at any depth and
        stay correct when memes are added or deleted between pages. `total` is exact, and null
        on pages reached with a cursor, where counting would cost more than the page.

        The `ETag` is the sha256 of the page's JSON: send it back in `If-None-Match` to get a
        304 while the page has not changed.

        Tags: memes
        Status Codes:
            200: The page
            304: The page has not changed
            400: The cursor is malformed, was changed, or belongs to other filters or sort
            401: `visibility` is hidden or all, and no token was sent
            403: `visibility` is hidden or all, and the token is not a moderator's
            422: A parameter is out of range, or a cursor was combined with an offset
            503: The database took too long to answer
        """
        shown = filters.listing(self.services, self.request.headers.get("Authorization"))
        page = await listing.page(self.services, shown, limit, offset, cursor)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if page.next_cursor:
            next_url = self.request.rel_url.without_query_params("offset").update_query(
                cursor=page.next_cursor
            )
            headers["Link"] = f'<{next_url}>; rel="next"'
        head = {"total": page.total, "limit": limit, "offset": offset, "next": page.next_cursor}
        # A page is one batch of rows (at most 101), all fetched by now: the ETag of what will be
        # sent is known before the first byte goes, and the page goes in one write, its headers
        # with it (a web.Response; a StreamResponse would send them apart, and the end of the
        # chunks a third time: three system calls where one does).
        body = b"".join(
            [
                json_bytes(head)[:-1] + b',"items":[',
                b",".join(row["json"].encode() for row in page.rows),
                b"]}",
            ]
        )
        headers["ETag"] = etag_of([body])
        if etag_matches(self.request, headers["ETag"]):
            return web.Response(status=304, headers={"ETag": headers["ETag"]})
        response = web.Response(body=body, headers=headers)
        response.enable_chunked_encoding()
        return response

    head = get  # the same headers, no body

    @spec_notes(reads_meme="create", headers={"201": ("Location", "Link")})
    async def post(
        self, *, idempotency_key: IdempotencyKey = None
    ) -> (
        r201[CreatedMeme]
        | r400[ProblemDetail]
        | r404[ProblemDetail]
        | r413[ProblemDetail]
        | r415[ProblemDetail]
        | r422[ProblemDetail]
        | r503[ProblemDetail]
    ):
        """Create a meme from a picture, a title, a description and tags.

        Send `multipart/form-data` with the fields `title` (at most 200 characters, not
        blank), `description` (optional, up to 2000), `tags` (optional, 0-20; repeat the field
        or separate tags with commas), `image` (a JPEG, PNG, GIF or WebP file) and `sensitive`
        (optional, `true` marks the meme sensitive: blurred by the gallery, left out by
        `sensitive=false`), in any order; any other field is refused. The picture's type is
        decided from its bytes.

        With an `Idempotency-Key`, a retry of the same create (after a timeout, a dropped
        connection) within 24 hours answers again with the meme the first one made, and
        `Idempotent-Replayed: true`; the same key with a different body is a 422.

        Tags: memes
        Status Codes:
            201: The meme, with its address in the `Location` header and its page's in `Link`
            400: The multipart body is malformed
            404: The Idempotency-Key made a meme that has been deleted since
            413: The picture is over the size cap, or would be once cleaned
            415: The body is not multipart/form-data, or the picture is not an allowed type
            422: A field breaks a rule, the picture is empty, does not decode, has too many pixels or was banned by a moderator (`picture-banned`, a near copy too), or the Idempotency-Key was used for another body
            503: The media service or the database is unavailable; nothing was stored
        """
        services = self.services
        async with meme_form(self.request) as form:
            text = meme_text(form.text)
            if form.image is None:
                raise field_error("image", "a picture is required")
            idempotent = idempotency_key and idempotent_create(
                self.request.remote or "", idempotency_key, text, form.image_sha256
            )
            meme, edit_token, replayed = await memes.create(
                services, text, form.image, idempotent, bool(form.sensitive)
            )
        # The token is in this answer and nowhere else: the database keeps only its digest.
        body = json_bytes({**json.loads(meme["json"]), "edit_token": edit_token})
        headers = {
            "Location": absolute(self.request, f"/memes/{meme['id']}"),
            "Link": page_link(self.request, meme["id"]),
        }
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return web.Response(
            status=201, body=body, content_type="application/json", charset="utf-8", headers=headers
        )
