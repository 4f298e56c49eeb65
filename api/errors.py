"""Domain errors of the api; common.problems maps each to its HTTP status and code."""

from common.problems import Problem


class NotFound(Problem):
    status = 404
    code = "not-found"


class ValidationFailed(Problem):
    status = 422
    code = "validation-failed"


class MalformedJson(Problem):
    status = 400
    code = "malformed-json"


class MalformedMultipart(Problem):
    status = 400
    code = "malformed-multipart"


class UnsupportedMediaType(Problem):
    status = 415
    code = "unsupported-media-type"


class PayloadTooLarge(Problem):
    status = 413
    code = "payload-too-large"


class UnsupportedImage(Problem):
    status = 415
    code = "unsupported-image-type"


class InvalidImage(Problem):
    status = 422
    code = "invalid-image"


class MediaUnavailable(Problem):
    status = 503
    code = "media-unavailable"


class InvalidCursor(Problem):
    status = 400
    code = "invalid-cursor"
