"""The picture endpoints: a meme's picture and pictures by content, in sizes and formats (by
`Accept`), with byte ranges, conditional requests and a download's file name. Docstrings
become the descriptions in openapi.json."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Annotated

from aiohttp import web
from aiohttp_pydantic.injectors import Group
from aiohttp_pydantic.oas.typing import r200, r206, r304, r404, r416, r422, r503
from pydantic import Field

from api.domain import pictures
from api.domain.moderators import maybe_moderator
from api.errors import NotFound
from api.values.row import Row
from api.web.base import BaseView, spec_notes
from api.web.conditional import etag_matches, not_modified_since, still_the_same
from api.web.memes import MemeId
from api.web.models import EXAMPLE_SHA256, SHA256_PATTERN, ProblemDetail
from api.web.picture_formats import (
    PICTURE_DOC,
    Download,
    PictureSize,
    accepted_formats,
    attachment,
)
from common.streaming import BodyStream, streaming

Sha256 = Annotated[
    str,
    Field(
        pattern=SHA256_PATTERN,
        description="The sha256 of the picture",
        examples=[EXAMPLE_SHA256],
    ),
]
PictureResponses = (
    r200
    | r206
    | r304
    | r404[ProblemDetail]
    | r416[ProblemDetail]
    | r422[ProblemDetail]
    | r503[ProblemDetail]
)
# /memes/{id}/image may show another picture after a PUT: caches keep it but ask again.
REVALIDATE = "public, no-cache"
# /images/{sha256} names its content: it never changes. But a moderator may hide the memes
# that show it, and then it is 404 here: a shared cache (a CDN) asks again within the hour, a
# browser, which only keeps what its user has seen already, keeps it the year.
IMMUTABLE = "public, max-age=31536000, s-maxage=3600, immutable"
# A hidden meme's picture, shown to a moderator: no cache is to keep it.
PRIVATE = "private, no-store"


class PictureConditions(Group):
    """The request headers a picture download heeds. Declared here for openapi.json; their
    values are read as aiohttp parses them (api.web.conditional), `Range` passed on to media."""

    if_none_match: str | None = None
    if_modified_since: str | None = None
    range: str | None = None
    if_range: str | None = None

    def range_wanted(self, request: web.Request, etag: str, stored_at: datetime) -> str | None:
        """The Range to serve: none when If-Range names another version (the whole picture)."""
        if self.range and self.if_range and not still_the_same(request, etag, stored_at):
            return None
        return self.range


async def fresh_on_miss(
    view: BaseView,
    name_picture: Callable[[bool], Awaitable[Row]],
    size: PictureSize,
    cache_control: str,
    conditions: PictureConditions,
    download: bool = False,
) -> web.StreamResponse:
    """The picture that `name_picture(fresh)` names. A row remembered for PICTURE_ROW_SECONDS
    may name a picture deleted since (by another process): that picture missing, the rows are
    read again (`fresh`) before a 404 is answered."""
    picture = await name_picture(False)
    try:
        return await picture_response(view, picture, size, cache_control, conditions, download)
    except NotFound:
        if not view.services.picture_cache.keeps_rows:
            raise
    picture = await name_picture(True)
    return await picture_response(
        view, picture, size, cache_control, conditions, download, fresh=True
    )


async def picture_response(
    view: BaseView,
    picture: Row,
    size: PictureSize,
    cache_control: str,
    conditions: PictureConditions,
    download: bool = False,
    fresh: bool = False,
) -> web.StreamResponse:
    """A stored picture or a variant of it: streamed, ranged, conditional, cacheable."""
    request, services = view.request, view.services
    if picture.get("visibility") == "hidden":
        cache_control = PRIVATE
    meme = picture
    accepted = accepted_formats(request.headers.get("Accept", ""))
    picture = await pictures.in_size(services, picture, size, accepted, fresh)
    headers = {
        # The sha256 of the bytes served: each variant has its own.
        "ETag": f'"{picture["sha256"]}"',
        "Last-Modified": format_datetime(picture["stored_at"].astimezone(UTC), usegmt=True),
        "Cache-Control": cache_control,
        "Accept-Ranges": "bytes",
    }
    if pictures.negotiated(size):
        headers["Vary"] = "Accept"
    if download:
        headers["Content-Disposition"] = attachment(
            meme["title"], meme["id"], picture["content_type"]
        )
    # If-None-Match wins over If-Modified-Since (RFC 9110, 13.2.2).
    if conditions.if_none_match:
        if etag_matches(request, headers["ETag"]):
            return web.Response(status=304, headers=headers)
    elif not_modified_since(request, picture["stored_at"]):
        return web.Response(status=304, headers=headers)
    headers["Content-Type"] = picture["content_type"]
    if request.method == "HEAD":
        headers["Content-Length"] = str(picture["size"])
        # A StreamResponse, because a Response would announce its own empty body's length.
        return web.StreamResponse(headers=headers)
    byte_range = conditions.range_wanted(request, headers["ETag"], picture["stored_at"])
    if byte_range is None and services.picture_cache.fits(picture["size"]):
        body = await pictures.cached_bytes(services, picture["sha256"])
        return web.Response(body=body, headers=headers)
    async with services.media.open(picture["sha256"], byte_range) as opened:
        headers["Content-Length"] = str(opened.length)
        if opened.content_range:
            headers["Content-Range"] = opened.content_range
        response = BodyStream(status=206 if opened.partial else 200, headers=headers)
        async with streaming(request, response):
            async for chunk in opened.chunks:
                await response.write(chunk)
    return response


# The headers always sent (`Vary` and `Content-Disposition`, sent for some requests, are in
# PICTURE_DOC).
PICTURE_HEADERS = {
    "200": ("Content-Length", "ETag", "Last-Modified", "Cache-Control", "Accept-Ranges"),
    "206": ("Content-Length", "Content-Range", "ETag", "Last-Modified", "Cache-Control"),
    "304": ("ETag", "Last-Modified", "Cache-Control"),
    "416": ("Content-Range",),
}
PICTURE_MEDIA_TYPES = {"200": "image/*", "206": "image/*"}


def picture_doc(handler):
    """Put what every picture endpoint shares into the handler's docstring and spec notes."""
    handler.__doc__ = handler.__doc__.replace("        {PICTURE_DOC}\n", PICTURE_DOC)
    return spec_notes(headers=PICTURE_HEADERS, media_types=PICTURE_MEDIA_TYPES)(handler)


class MemeImageView(BaseView):
    @picture_doc
    async def get(
        self,
        id: MemeId,
        /,
        size: PictureSize = "original",
        download: Download = False,
        *,
        conditions: PictureConditions,
    ) -> PictureResponses:
        """The meme's picture, streamed, with its stored `Content-Type`.

        `download=true` adds `Content-Disposition: attachment` with a file name made of the
        meme's title and the extension of the format served (`filename*` in UTF-8, and an
        ASCII `filename` for older clients). This URL shows whatever picture the meme has now, so caches must revalidate
        (`Cache-Control: public, no-cache`); `content_url` names the content and is cached for
        a year. A hidden meme's picture is 404, in every size, unless a moderator's token is
        sent (then `Cache-Control: private, no-store`).
        {PICTURE_DOC}
        Tags: pictures
        Status Codes:
            200: The picture's bytes
            206: The range of the picture's bytes asked for
            304: The picture has not changed
            404: No meme has this id, it is hidden (to all but moderators), or its picture is missing
            416: The range starts past the end of the picture
            422: The id is not a positive integer, or the size is not one of the sizes
            503: The media service or the database is unavailable
        """
        moderator = maybe_moderator(self.services, self.request.headers.get("Authorization"))
        return await fresh_on_miss(
            self,
            lambda fresh: pictures.of_meme(self.services, id, fresh, moderator is not None),
            size,
            REVALIDATE,
            conditions,
            download,
        )

    head = get  # the same headers, no body (picture_response)


class PictureView(BaseView):
    @picture_doc
    async def get(
        self,
        sha256: Sha256,
        /,
        size: PictureSize = "original",
        *,
        conditions: PictureConditions,
    ) -> PictureResponses:
        """A picture by the sha256 of its bytes (a meme's `content_url`).

        The URL names the content, so it never changes: `Cache-Control: public,
        max-age=31536000, s-maxage=3600, immutable` lets browsers keep it for a year, and
        shared caches (CDNs) for an hour: once no public meme shows the picture (the memes
        that did were deleted or hidden), it is 404 here, to moderators too.
        {PICTURE_DOC}
        Tags: pictures
        Status Codes:
            200: The picture's bytes
            206: The range of the picture's bytes asked for
            304: The picture has not changed
            404: No public meme shows a picture with this sha256
            416: The range starts past the end of the picture
            422: The sha256 is not 64 lower-case hex digits, or the size is not one of the sizes
            503: The media service or the database is unavailable
        """
        return await fresh_on_miss(
            self,
            lambda fresh: pictures.by_sha256(self.services, sha256, fresh),
            size,
            IMMUTABLE,
            conditions,
        )

    head = get  # the same headers, no body (picture_response)
