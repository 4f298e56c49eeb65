"""Creates that can be retried: a `POST /memes` with an `Idempotency-Key` made within the last
24 hours answers again with the meme it made, and never makes a second one.

The edit token of such a meme is derived from the key (an HMAC under the server's key), so
the replay can give it again while the database still keeps only its digest. A key is the
client's secret as much as the token is: whoever has it (and the same body) gets the token.
"""

import hashlib
import hmac
from dataclasses import dataclass

from api.db import idempotency, memes
from api.db.sql import Row
from api.domain.errors import IdempotencyKeyReused
from api.domain.meme_text import MemeText
from api.services import Services


@dataclass(frozen=True)
class IdempotentCreate:
    key: str
    fingerprint: bytes  # of what was sent: the words and the picture's bytes


def idempotent_create(key: str, text: MemeText, upload_sha256: str) -> IdempotentCreate:
    sent = text.model_dump_json().encode() + b"\0" + upload_sha256.encode()
    return IdempotentCreate(key, hashlib.sha256(sent).digest())


def edit_token_for(services: Services, key: str) -> str:
    secret = services.settings.edit_token_key()
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()


async def earlier_answer(services: Services, create: IdempotentCreate) -> tuple[Row, str] | None:
    """The meme the key made (and its token), None if the key is new; 422 if it came with
    another body, 404 if its meme was deleted since."""
    found = await idempotency.find(services.db, create.key)
    if found is None:
        return None
    if not hmac.compare_digest(bytes(found["fingerprint"]), create.fingerprint):
        raise IdempotencyKeyReused(
            "This Idempotency-Key was used for another meme: send a new key for a new meme"
        )
    meme = await memes.get_meme(services.db, found["meme_id"])
    return meme, edit_token_for(services, create.key)
