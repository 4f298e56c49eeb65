"""Who is a moderator: whoever sends one of the moderators' tokens (`MODERATOR_TOKENS`, and
`ADMIN_TOKEN` named `admin`) as `Authorization: Bearer <token>`. Only the tokens' sha256 is
kept; a token is found by its digest, which an attacker cannot steer byte by byte, so the
lookup leaks nothing a constant-time compare would hide."""

from functools import cache

from api.errors import Forbidden, Unauthorized
from api.moderation_settings import ModerationSettings, token_digest
from api.services import Services


@cache
def _moderators(settings: ModerationSettings) -> dict[bytes, str]:
    return settings.moderators()


def bearer_token(authorization: str | None, what: str = "the meme's edit token") -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(f"Send {what}: Authorization: Bearer <token>")
    return token.strip()


def moderator_of(services: Services, token: str) -> str | None:
    """The name of the moderator whose token this is, or None."""
    return _moderators(services.settings).get(token_digest(token))


def maybe_moderator(services: Services, authorization: str | None) -> str | None:
    """The moderator sending the request, or None (no token, or another token)."""
    try:
        return moderator_of(services, bearer_token(authorization))
    except Unauthorized:
        return None


def require_moderator(services: Services, authorization: str | None) -> str:
    """The moderator sending the request, or 401 (no bearer token) or 403 (not a
    moderator's)."""
    name = moderator_of(services, bearer_token(authorization, "a moderator's token"))
    if name is None:
        raise Forbidden("Only a moderator may do this")
    return name
