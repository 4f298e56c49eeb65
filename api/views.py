"""The public HTTP API. Docstrings become the descriptions in openapi.json."""

import json
from typing import Annotated

from aiohttp import web
from aiohttp_pydantic import PydanticView
from aiohttp_pydantic.injectors import CONTEXT, Group
from aiohttp_pydantic.oas.typing import (
    r200,
    r201,
    r204,
    r400,
    r404,
    r413,
    r415,
    r422,
    r503,
)
from pydantic import Field, ValidationError

from api import db, memes
from api.errors import MalformedJson, UnsupportedMediaType, ValidationFailed
from api.keys import POOL, SETTINGS
from api.listing import Listing, Sort, decode_cursor, encode_cursor, listing
from api.models import (
    SHA256_PATTERN,
    Health,
    Meme,
    MemePage,
    MemeText,
    ProblemDetail,
    Tag,
    TagList,
)
from api.uploads import meme_form
from common.problems import from_problem
from common.streaming import ChunkWriter, streaming

MemeId = Annotated[int, Field(ge=1, le=2**63 - 1, description="The meme's id")]
Limit = Annotated[int, Field(ge=1, le=100, description="How many memes at most (1-100)")]
Offset = Annotated[int, Field(ge=0, le=2**63 - 1, description="How many memes to skip")]
Cursor = Annotated[
    str | None, Field(max_length=1000, description="The `next` of the previous page")
]


def validation_problem(exc: ValidationError, context: str) -> ValidationFailed:
    errors = [
        {"loc": [context, *error["loc"]], "msg": error["msg"], "type": error["type"]}
        for error in exc.errors(include_url=False, include_context=False, include_input=False)
    ]
    summary = "; ".join(
        f"{'.'.join(map(str, e['loc'][1:])) or context}: {e['msg']}" for e in errors
    )
    return ValidationFailed(summary, errors=errors)


def meme_response(row: db.Row, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.Response(
        status=status,
        body=row["json"].encode(),
        content_type="application/json",
        headers=headers,
    )


def meme_text(fields: dict) -> MemeText:
    try:
        return MemeText.model_validate(fields)
    except ValidationError as exc:
        raise validation_problem(exc, "body") from None


class BaseView(PydanticView):
    async def on_validation_error(self, exception: ValidationError, context: CONTEXT):
        return from_problem(validation_problem(exception, context))


class HealthView(BaseView):
    async def get(self) -> r200[Health]:
        """Answers 200 while the process is up.

        Tags: health
        """
        return web.json_response({"status": "ok"})


class MemeFilters(Group):
    """Filters shared by the list and the export; all combine with AND."""

    q: Annotated[
        str | None,
        Field(min_length=1, max_length=200, description="Words to find, each as a prefix"),
    ] = None
    tag: Annotated[Tag | None, Field(description="Only memes with this tag")] = None
    # Plain list annotations: aiohttp-pydantic reads a repeated query parameter only for those.
    tags_all: list[Tag] = Field([], description="Only memes with all these tags")
    tags_any: list[Tag] = Field([], description="Only memes with any of these tags")
    sha256: Annotated[
        str | None, Field(pattern=SHA256_PATTERN, description="Only memes using this picture")
    ] = None
    sort: Annotated[
        Sort | None,
        Field(description="Default: -created_at, or relevance when q is given"),
    ] = None


def listing_of(filters: MemeFilters) -> Listing:
    return listing(
        filters.q, filters.tag, filters.tags_all, filters.tags_any, filters.sha256, filters.sort
    )


def json_bytes(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


class MemeCollectionView(BaseView):
    async def get(
        self, filters: MemeFilters, limit: Limit = 20, offset: Offset = 0, cursor: Cursor = None
    ) -> r200[MemePage] | r400[ProblemDetail] | r422[ProblemDetail]:
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
        """
        app, request = self.request.app, self.request
        view = listing_of(filters)
        after = None
        if cursor is not None:
            if offset:
                raise ValidationFailed("offset: cannot be combined with cursor")
            after = decode_cursor(cursor, view, app[SETTINGS].cursor_key())
        # Pages reached with a cursor go without the count: it would cost more than the page.
        rows, total = await db.page_of_memes(
            app[POOL], view, limit + 1, offset, after, count=cursor is None
        )
        headers = {"Content-Type": "application/json; charset=utf-8"}
        next_cursor = None
        if len(rows) > limit:
            del rows[limit:]
            last = rows[-1]
            next_cursor = encode_cursor(
                view, last["sort_key"], last["id"], app[SETTINGS].cursor_key()
            )
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
        """Create a meme from a picture, a title and a description.

        Send `multipart/form-data` with the fields `title` (1-200 characters), `description`
        (optional, up to 2000) and `image` (a JPEG, PNG, GIF or WebP file), in any order.
        The picture's type is decided from its bytes.

        Tags: memes
        Status Codes:
            201: The meme, with its address in the `Location` header
            400: The multipart body is malformed
            413: The picture is larger than the size cap
            415: The body is not multipart/form-data, or the picture is not an allowed type
            422: A field breaks a rule, or the picture is empty, does not decode or has too many pixels
            503: The media service is unavailable; nothing was stored
        """
        app = self.request.app
        async with meme_form(self.request, app[SETTINGS].max_upload_bytes) as form:
            text = meme_text(form.text)
            if form.image is None:
                raise ValidationFailed(
                    "image: a picture is required",
                    errors=[{"loc": ["body", "image"], "msg": "a picture is required"}],
                )
            meme = await memes.create(app, text, form.image)
        return meme_response(meme, status=201, headers={"Location": f"/memes/{meme['id']}"})


class MemeExportView(BaseView):
    async def get(
        self, filters: MemeFilters
    ) -> r200[Meme] | r400[ProblemDetail] | r422[ProblemDetail]:
        """Every meme matching the filters, as NDJSON: one JSON meme per line.

        Takes the same filters and sort as `GET /memes`. Streamed from a server-side cursor in
        batches, so the export of any number of memes runs in flat memory.

        Tags: memes
        Status Codes:
            200: `application/x-ndjson`, one meme per line
            422: A parameter is out of range
        """
        app = self.request.app
        view = listing_of(filters)
        response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        response.enable_chunked_encoding()
        async with streaming(self.request, response):
            async for batch in db.stream_memes(app[POOL], view, app[SETTINGS].export_batch_size):
                lines = [row["json"].encode() + b"\n" for row in batch]
                await response.write(b"".join(lines))
        return response


class TagsView(BaseView):
    async def get(self) -> r200[TagList]:
        """The tags in use, with how many memes have each, most used first. Streamed.

        Tags: tags
        Status Codes:
            200: The tags
        """
        app = self.request.app
        response = web.StreamResponse(headers={"Content-Type": "application/json; charset=utf-8"})
        response.enable_chunked_encoding()
        async with streaming(self.request, response):
            out = ChunkWriter(response)
            await out.write(b'{"items":[')
            separator = b""
            async for batch in db.stream_tags(app[POOL], app[SETTINGS].export_batch_size):
                for row in batch:
                    await out.write(separator + json_bytes(row))
                    separator = b","
            await out.write(b"]}")
            await out.flush()
        return response


class MemeView(BaseView):
    async def get(self, id: MemeId, /) -> r200[Meme] | r404[ProblemDetail] | r422[ProblemDetail]:
        """One meme.

        Tags: memes
        Status Codes:
            200: The meme
            404: No meme has this id
            422: The id is not a positive integer
        """
        meme = await db.get_meme(self.request.app[POOL], id)
        return meme_response(meme)

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
        """Replace a meme's title and description, and optionally its picture.

        Send JSON (`{"title": ..., "description": ...}`) to change the words only, or
        `multipart/form-data` with `title`, `description` and optionally `image` to change the
        picture too. A description left out becomes empty. The old picture is deleted once no
        meme uses it.

        Tags: memes
        Status Codes:
            200: The updated meme
            400: The body is malformed JSON or multipart
            404: No meme has this id
            413: The picture is larger than the size cap
            415: The body is neither JSON nor multipart/form-data, or the picture is not an allowed type
            422: A field breaks a rule, or the picture does not decode
            503: The media service is unavailable; nothing was changed
        """
        app = self.request.app
        if self.request.content_type == "application/json":
            try:
                fields = await self.request.json()
            except (ValueError, UnicodeDecodeError):
                raise MalformedJson("The body is not valid JSON") from None
            if not isinstance(fields, dict):
                raise MalformedJson("The body must be a JSON object")
            meme = await memes.replace(app, id, meme_text(fields), None)
        elif self.request.content_type == "multipart/form-data":
            async with meme_form(self.request, app[SETTINGS].max_upload_bytes) as form:
                meme = await memes.replace(app, id, meme_text(form.text), form.image)
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
            503: The media service is unavailable; nothing was deleted
        """
        await memes.delete(self.request.app, id)
        return web.Response(status=204)
