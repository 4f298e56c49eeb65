"""Creates that can be retried: a `POST /memes` with an `Idempotency-Key` made within the last
24 hours answers again with the meme it made, and never makes a second one.

A key belongs to the client that sent it (its address): the same key from elsewhere is a new
key. The edit token of such a meme is derived from the client and the key (an HMAC under the
server's key), so the replay can give it again while the database keeps only its digest.
"""

import hashlib
import hmac
from dataclasses import dataclass

from api.db import idempotency, memes
from api.db.sql import Row
from api.errors import IdempotencyKeyReused, NotFound
from api.services import Services
from api.values.meme_text import MemeText


@dataclass(frozen=True)
class IdempotentCreate:
    client: str  # the address that sent the key
    key: str
    fingerprint: bytes  # of what was sent: the words and the picture's bytes

    def edit_token(self, services: Services) -> str:
        secret = services.settings.edit_token_key()
        scoped = f"{self.client}\0{self.key}".encode()
        return hmac.new(secret, scoped, hashlib.sha256).hexdigest()


def idempotent_create(
    client: str, key: str, text: MemeText, upload_sha256: str
) -> IdempotentCreate:
    sent = text.model_dump_json().encode() + b"\0" + upload_sha256.encode()
    return IdempotentCreate(client, key, hashlib.sha256(sent).digest())


async def earlier_answer(services: Services, create: IdempotentCreate) -> tuple[Row, str] | None:
    """The meme the key made (and its token), None if the key is new; 422 if it came with
    another body, 404 if its meme was deleted since."""
    found = await idempotency.find(services.db, create.client, create.key)
    if found is None:
        return None
    if not hmac.compare_digest(bytes(found["fingerprint"]), create.fingerprint):
        raise IdempotencyKeyReused(
            "This Idempotency-Key was used for another meme: send a new key for a new meme"
        )
    if found["meme_id"] is None:
        raise NotFound("The meme this Idempotency-Key made has been deleted")
    meme = await memes.get_meme(services.db, found["meme_id"])
    return meme, create.edit_token(services)
