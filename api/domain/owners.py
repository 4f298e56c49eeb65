"""Who may change a meme: whoever holds its edit token (given once, in the 201 of its
creation), or the moderator with `ADMIN_TOKEN`. Tokens are stored as their sha256 only (they
are random, 256 bits: a slow hash would add nothing) and compared in constant time."""

import hashlib
import hmac
import secrets

from api.db import memes
from api.errors import Forbidden, Unauthorized
from api.services import Services


def new_edit_token() -> str:
    return secrets.token_urlsafe(32)


def _bytes(token: str) -> bytes:
    # A header's bytes that are not UTF-8 reach us as surrogates: such a token is just wrong.
    return token.encode("utf-8", "surrogateescape")


def digest(token: str) -> bytes:
    return hashlib.sha256(_bytes(token)).digest()


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send the meme's edit token: Authorization: Bearer <edit_token>")
    return token.strip()


async def authorize(services: Services, meme_id: int, authorization: str | None) -> None:
    """Let the request change meme `meme_id`, or raise 401 (no token), 404 (no meme has this id:
    whether a meme exists is public, GET tells anyone, so a meme that is gone is 404 whatever
    the token) or 403 (a token that is neither the meme's nor the moderator's)."""
    given = bearer_token(authorization)
    stored = await memes.edit_token_digest(services.db, meme_id)
    admin = services.settings.admin_token
    if admin is not None and hmac.compare_digest(_bytes(given), admin.get_secret_value().encode()):
        return
    if stored is None or not hmac.compare_digest(digest(given), stored):
        raise Forbidden("This token may not change this meme")
