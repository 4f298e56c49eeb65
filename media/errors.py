"""The media service's own problems; with those of common.problems they are every error it
answers. Each docstring is the "when" of the error table in docs/ (made from the code)."""

from common.problems import Problem


class Unauthorized(Problem):
    """The request lacks the service token, or carries a wrong one."""

    status = 401
    code = "unauthorized"


class InvalidKey(Problem):
    """A key is not 64 lower-case hex digits (a sha256)."""

    status = 400
    code = "invalid-key"


class BlobNotFound(Problem):
    """No blob is stored under the key."""

    status = 404
    code = "blob-not-found"


class StorageUnavailable(Problem):
    """S3 is unreachable, or failed."""

    status = 503
    code = "storage-unavailable"


class EmptyBlob(Problem):
    """The body of a PUT is empty."""

    status = 422
    code = "empty-blob"


class DigestMismatch(Problem):
    """The body's sha256 is not the key it is put under."""

    status = 422
    code = "digest-mismatch"


class DeadlinePassed(Problem):
    """A `DELETE` arrived after its `X-Deadline` (the api has given up on it): nothing is
    deleted, so a request held up in a stopped process cannot delete a blob stored since."""

    status = 409
    code = "deadline-passed"


class InvalidQuery(Problem):
    """`after` is not part of a key, or `limit` is not 1 to 1000."""

    status = 400
    code = "invalid-query"
