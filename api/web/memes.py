"""The memes: list and create (`/memes`), read, replace and delete (`/memes/{id}`).
Docstrings become the descriptions in openapi.json."""

from typing import Annotated

from aiohttp import web
from aiohttp_pydantic.oas.typing import r200, r201, r204, r400, r404, r413, r415, r422, r503
from pydantic import Field

from api.db import listing as db_listing
from api.db import memes as db_memes
from api.domain import memes
from api.domain.errors import MalformedJson, UnsupportedMediaType, ValidationFailed
from api.domain.listing import decode_cursor, encode_cursor
from api.web.base import BaseView, field_error, json_bytes, meme_response, meme_text, spec_notes
from api.web.filters import MemeFilters
from api.web.forms import meme_form
from api.web.models import Meme, MemePage, ProblemDetail
from common.streaming import ChunkWriter, streaming

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


class MemeCollectionView(BaseView):
    @spec_notes(headers={"200": ("Link",)})
    async def get(
        self, filters: MemeFilters, limit: Limit = 20, offset: Offset = 0, cursor: Cursor = None
    ) -> r200[MemePage] | r400[ProblemDetail] | r422[ProblemDetail] | r503[ProblemDetail]:
        """A page of memes, newest first unless `sort` or `q` says otherwise.

        Filters combine: `q` searches title, tags and description (every word, as a prefix;
        ranked by relevance unless `sort` is given), `tag=x` keeps memes tagged x,
        `tags_all=a&tags_all=b` those with all of them, `tags_any=a&tags_any=b` those with any,
        `sha256` those using that picture. `sort` is `created_at`, `-created_at`, `title` or
        `-title`, ties broken by id.

        Page with `offset`, or with the `next` cursor of the previous page (also given in a
        `Link: <...>; rel="next"` header): cursors continue in constant time at any depth and
        stay correct when memes are added or deleted between pages. `total` is exact, and null
        on pages reached with a cursor, where counting would cost more than the page.

        Tags: memes
        Status Codes:
            200: The page
            400: The cursor is malformed, was changed, or belongs to other filters or sort
            422: A parameter is out of range, or a cursor was combined with an offset
            503: The database took too long to answer
        """
        request, services = self.request, self.services
        cursor_key = services.settings.cursor_key()
        view = filters.listing()
        after = None
        if cursor is not None:
            if offset:
                raise ValidationFailed("offset: cannot be combined with cursor")
            after = decode_cursor(cursor, view, cursor_key)
        # Pages reached with a cursor go without the count: it would cost more than the page.
        rows, total = await db_listing.page_of_memes(
            services.db, view, limit + 1, offset, after, count=cursor is None
        )
        headers = {"Content-Type": "application/json; charset=utf-8"}
        next_cursor = None
        if len(rows) > limit:
            del rows[limit:]
            last = rows[-1]
            next_cursor = encode_cursor(view, last["sort_key"], last["id"], cursor_key)
            next_url = request.rel_url.without_query_params("offset").update_query(
                cursor=next_cursor
            )
            headers["Link"] = f'<{next_url}>; rel="next"'
        response = web.StreamResponse(headers=headers)
        response.enable_chunked_encoding()
        head = {"total": total, "limit": limit, "offset": offset, "next": next_cursor}
        async with streaming(request, response):
            # Serialised meme by meme: the page is never one JSON document in memory.
            out = ChunkWriter(response)
            await out.write(json_bytes(head)[:-1] + b',"items":[')
            for n, row in enumerate(rows):
                await out.write(b"," * bool(n) + row["json"].encode())
            await out.write(b"]}")
            await out.flush()
        return response

    @spec_notes(reads_meme="create", headers={"201": ("Location",)})
    async def post(
        self,
    ) -> (
        r201[Meme]
        | r400[ProblemDetail]
        | r413[ProblemDetail]
        | r415[ProblemDetail]
        | r422[ProblemDetail]
        | r503[ProblemDetail]
    ):
        """Create a meme from a picture, a title, a description and tags.

        Send `multipart/form-data` with the fields `title` (1-200 characters), `description`
        (optional, up to 2000), `tags` (optional, 0-20; repeat the field or separate tags with
        commas) and `image` (a JPEG, PNG, GIF or WebP file), in any order; any other field is
        refused. The picture's type is decided from its bytes.

        Tags: memes
        Status Codes:
            201: The meme, with its address in the `Location` header
            400: The multipart body is malformed
            413: The picture is larger than the size cap
            415: The body is not multipart/form-data, or the picture is not an allowed type
            422: A field breaks a rule, or the picture is empty, does not decode or has too many pixels
            503: The media service or the database is unavailable; nothing was stored
        """
        services = self.services
        async with meme_form(
            self.request, services.settings.max_upload_bytes, services.scratch
        ) as form:
            text = meme_text(form.text)
            if form.image is None:
                raise field_error("image", "a picture is required")
            meme = await memes.create(services, text, form.image)
        return meme_response(meme, status=201, headers={"Location": f"/memes/{meme['id']}"})


class MemeView(BaseView):
    async def get(
        self, id: MemeId, /
    ) -> r200[Meme] | r404[ProblemDetail] | r422[ProblemDetail] | r503[ProblemDetail]:
        """One meme.

        Tags: memes
        Status Codes:
            200: The meme
            404: No meme has this id
            422: The id is not a positive integer
            503: The database took too long to answer
        """
        meme = await db_memes.get_meme(self.services.db, id)
        return meme_response(meme)

    @spec_notes(reads_meme="replace")
    async def put(
        self, id: MemeId, /
    ) -> (
        r200[Meme]
        | r400[ProblemDetail]
        | r404[ProblemDetail]
        | r413[ProblemDetail]
        | r415[ProblemDetail]
        | r422[ProblemDetail]
        | r503[ProblemDetail]
    ):
        """Replace a meme's title, description and tags, and optionally its picture.

        Send JSON (`{"title": ..., "description": ..., "tags": [...]}`) to change the words
        only, or `multipart/form-data` with `title`, `description`, `tags` and optionally `image`
        to change the picture too. A description or tags left out become empty. The old picture
        is deleted once no meme uses it.

        Tags: memes
        Status Codes:
            200: The updated meme
            400: The body is malformed JSON or multipart
            404: No meme has this id
            413: The picture is larger than the size cap
            415: The body is neither JSON nor multipart/form-data, or the picture is not an allowed type
            422: A field breaks a rule, or the picture does not decode
            503: The media service or the database is unavailable; nothing was changed
        """
        services = self.services
        if self.request.content_type == "application/json":
            try:
                fields = await self.request.json()
            except (ValueError, UnicodeDecodeError):
                raise MalformedJson("The body is not valid JSON") from None
            if not isinstance(fields, dict):
                raise MalformedJson("The body must be a JSON object")
            meme = await memes.replace(services, id, meme_text(fields), None)
        elif self.request.content_type == "multipart/form-data":
            async with meme_form(
                self.request, services.settings.max_upload_bytes, services.scratch
            ) as form:
                meme = await memes.replace(services, id, meme_text(form.text), form.image)
        else:
            raise UnsupportedMediaType("Send application/json or multipart/form-data")
        return meme_response(meme)

    async def delete(
        self, id: MemeId, /
    ) -> r204 | r404[ProblemDetail] | r422[ProblemDetail] | r503[ProblemDetail]:
        """Delete a meme and, when no other meme uses it, its picture.

        Tags: memes
        Status Codes:
            204: Deleted
            404: No meme has this id
            422: The id is not a positive integer
            503: The media service or the database is unavailable; nothing was deleted
        """
        await memes.delete(self.services, id)
        return web.Response(status=204)
