"""What openapi.json says that no handler declares: the answers of the rate limits and of a
stalled body, which the middleware and the form reader give on every counted route, and the
links from a created meme to what can be done with it next (Swagger UI and schemathesis's
stateful tests follow them)."""

from typing import Any

from api.web.clients import LIMITED_PATHS, READS, WRITES

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}}
STRING = {"schema": {"type": "string"}}
RATE_LIMITED = {
    "description": "Over the client's rate limit, or too many of its uploads or exports in"
    " progress",
    "headers": {
        "Retry-After": {"description": "Seconds to wait", **STRING},
        "RateLimit": {"description": '`"<reads|writes>";r=<left>;t=<seconds>`', **STRING},
        "RateLimit-Policy": {"description": '`"<reads|writes>";q=<quota>;w=<window>`', **STRING},
    },
    "content": PROBLEM,
}
TIMED_OUT = {"description": "The body stopped arriving; nothing was kept", "content": PROBLEM}
BODIES = {"post", "put", "patch"}
ONE_MEME = "#/paths/~1memes~1{id}"
MEME_ID = {"id": "$response.body#/id"}
# From a created meme (201) to the operations on it.
LINKS = {
    "GetMeme": {"operationRef": f"{ONE_MEME}/get", "parameters": MEME_ID},
    "PatchMeme": {"operationRef": f"{ONE_MEME}/patch", "parameters": MEME_ID},
    "PutMeme": {"operationRef": f"{ONE_MEME}/put", "parameters": MEME_ID},
    "DeleteMeme": {"operationRef": f"{ONE_MEME}/delete", "parameters": MEME_ID},
    "GetMemeImage": {"operationRef": "#/paths/~1memes~1{id}~1image/get", "parameters": MEME_ID},
    "GetSimilar": {"operationRef": "#/paths/~1memes~1{id}~1similar/get", "parameters": MEME_ID},
    "GetPicture": {
        "operationRef": "#/paths/~1images~1{sha256}/get",
        "parameters": {"sha256": "$response.body#/sha256"},
    },
}


def add_http_answers(path: str, method: str, operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    counted = path.startswith(LIMITED_PATHS) and method.upper() in READS | WRITES
    if counted:
        responses.setdefault("429", RATE_LIMITED)
    if counted and method in BODIES:
        responses.setdefault("408", TIMED_OUT)
    if path == "/memes" and method == "post":
        responses["201"]["links"] = LINKS
