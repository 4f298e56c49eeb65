"""Who may change a meme: whoever holds its edit token (given once, in the 201 of its
creation), or a moderator (api.domain.moderators). Tokens are stored as their sha256 only
(they are random, 256 bits: a slow hash would add nothing) and compared in constant time."""

import hmac
import secrets

from api.db import memes
from api.domain.moderators import bearer_token, moderator_of
from api.errors import Forbidden
from api.moderation_settings import token_digest as digest
from api.services import Services

__all__ = ["authorize", "digest", "new_edit_token"]


def new_edit_token() -> str:
    return secrets.token_urlsafe(32)


async def authorize(services: Services, meme_id: int, authorization: str | None) -> str | None:
    """Let the request change meme `meme_id`, or raise 401 (no token), 404 (no meme has this id:
    whether a meme exists is public, GET tells anyone, so a meme that is gone, or hidden and
    the token not a moderator's, is 404 whatever the token) or 403 (a token that is neither the meme's nor a moderator's). Returns the
    moderator's name when a moderator acts, None when the meme's owner does."""
    given = bearer_token(authorization)
    moderator = moderator_of(services, given)
    # A hidden meme is 404 to its owner too: as gone to them as to everyone but moderators.
    stored = await memes.edit_token_digest(services.db, meme_id, hidden=moderator is not None)
    if moderator is not None:
        return moderator
    if stored is None or not hmac.compare_digest(digest(given), stored):
        raise Forbidden("This token may not change this meme")
    return None
