"""The api's own problems; with those of common.problems they are every error it answers.

Each docstring is the "when" of the error table in docs/settings.md and of openapi.json.
"""

import errno

# Raised by the api too, but defined once for both services.
from common.problems import MalformedBody, NotFound, PayloadTooLarge, Problem  # noqa: F401

# What writing a file says when there is no room for it (EFBIG: over the process's file cap).
NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class ValidationFailed(Problem):
    """A field breaks a rule: title, description, tags, missing or empty picture, unknown or
    repeated field, `limit`/`offset`/id/filter out of range, NUL or
    invalid UTF-8."""

    status = 422
    code = "validation-failed"


class MalformedJson(Problem):
    """The JSON body does not parse, or is not an object."""

    status = 400
    code = "malformed-json"


class MalformedMultipart(Problem):
    """The multipart body does not parse, or a form has more than 32 parts."""

    status = 400
    code = "malformed-multipart"


class Unauthorized(Problem):
    """Changing a meme needs `Authorization: Bearer <edit_token>`, a moderator's route a
    moderator's token (sent with `WWW-Authenticate`)."""

    status = 401
    code = "unauthorized"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="memes"'})


class Forbidden(Problem):
    """The token is neither the meme's edit token nor a moderator's (`MODERATOR_TOKENS`,
    `ADMIN_TOKEN`), or a moderator's route or field (`visibility`) got another token."""

    status = 403
    code = "forbidden"


class UnsupportedMediaType(Problem):
    """The body is not multipart (or JSON for `PUT`)."""

    status = 415
    code = "unsupported-media-type"


class UnsupportedImage(Problem):
    """The picture is not a JPEG, PNG, GIF or WebP."""

    status = 415
    code = "unsupported-image-type"


class InvalidImage(Problem):
    """The picture does not decode, or is over a cap: `MAX_IMAGE_PIXELS` (for an animation,
    over all frames), `MAX_IMAGE_WIDTH`, `MAX_IMAGE_HEIGHT`, `MAX_IMAGE_FRAMES`."""

    status = 422
    code = "invalid-image"


class PictureTooLarge(Problem):
    """The picture's clean re-encoding (metadata removed) is larger than storage takes: 4 times
    `MAX_UPLOAD_BYTES`, or less should media's own `MAX_UPLOAD_BYTES` be set lower. Nothing is
    stored; a smaller or more compressed picture is."""

    status = 413
    code = "picture-too-large"


class InvalidCursor(Problem):
    """The cursor is malformed, was changed, or belongs to other filters or sort."""

    status = 400
    code = "invalid-cursor"


class MediaUnavailable(Problem):
    """The media service or its storage is down, failing or slower than
    `MEDIA_TIMEOUT_SECONDS`, or its circuit breaker is open; nothing was changed. `Retry-After`
    says when to try again (the rest of the breaker's cool-down, when it is open)."""

    status = 503
    code = "media-unavailable"

    def __init__(self, detail: str, retry_after: int = 1) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


class DatabaseUnavailable(Problem):
    """PostgreSQL is unreachable or failing over, or every connection stayed busy for
    `DB_ACQUIRE_TIMEOUT_SECONDS`; comes with `Retry-After`."""

    status = 503
    code = "database-unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": "2"})


class QueryTimeout(Problem):
    """A database statement ran past `DB_STATEMENT_TIMEOUT_SECONDS` and was cancelled."""

    status = 503
    code = "query-timeout"


class RateLimited(Problem):
    """The client sent more requests of this kind (reads, or writes) than its limit allows
    (`RATE_LIMIT_READS`, `RATE_LIMIT_WRITES` per `RATE_LIMIT_WINDOW_SECONDS`), or has more
    uploads in progress or waiting than `MAX_UPLOADS_PER_CLIENT` (exports in progress than
    `MAX_EXPORTS_PER_CLIENT`); `Retry-After` says when to try again."""

    status = 429
    code = "rate-limited"

    def __init__(self, detail: str, retry_after: int, headers: dict[str, str] | None = None):
        super().__init__(detail, headers={"Retry-After": str(retry_after), **(headers or {})})


class Busy(Problem):
    """`MAX_UPLOADS` uploads are in progress and `UPLOAD_QUEUE_LENGTH` wait already, or an
    upload waited `UPLOAD_QUEUE_SECONDS` for a slot, or the disk that spools uploads is full;
    nothing of the upload is kept; comes with `Retry-After`."""

    status = 503
    code = "busy"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": "5"})


def no_room() -> Busy:
    return Busy("The server has no room for the upload right now; try again shortly")


class RequestTimeout(Problem):
    """The body stopped arriving for `BODY_READ_TIMEOUT_SECONDS`, came slower than
    `UPLOAD_MIN_BYTES_PER_SECOND` after `UPLOAD_GRACE_SECONDS`, or a form took longer than
    `UPLOAD_TIMEOUT_SECONDS`: the upload is cut off and nothing of it is kept."""

    status = 408
    code = "request-timeout"


class IdempotencyKeyReused(Problem):
    """The `Idempotency-Key` of this create was used within 24 hours for a different body."""

    status = 422
    code = "idempotency-key-reused"


class InvalidTemplateId(Problem):
    """The template id in the path is not a positive integer (`/templates/abc`,
    `/templates/0`)."""

    status = 400
    code = "invalid-template-id"


class AlreadyReported(Problem):
    """This client (its address) already has an open report on this meme: one per client and
    meme until a moderator closes it."""

    status = 409
    code = "already-reported"


class NoOpenReports(Problem):
    """`POST /reports/{meme_id}/close` for a meme that has no open report (none yet, or a
    moderator closed them already)."""

    status = 409
    code = "no-open-reports"
class PictureBanned(Problem):
    """A moderator banned this picture: the same bytes, or a near copy of it (recompressed,
    resized; within `BAN_DISTANCE`). Nothing is stored."""

    status = 422
    code = "picture-banned"
