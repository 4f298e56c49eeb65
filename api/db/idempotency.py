"""Idempotency keys of creates: which meme a key made, and from what (its fingerprint)."""

import aiopg

from api.db.sql import Database, Row, cursor, execute, fetch_one, fetch_value

KEPT = "interval '24 hours'"
FIND = f"""
SELECT fingerprint, meme_id FROM idempotency_keys
 WHERE client = %(client)s AND key = %(key)s AND created_at > now() - {KEPT}
"""
# A key past its 24 hours is taken over; a live one is left alone (nothing returned).
RECORD = f"""
INSERT INTO idempotency_keys AS i (client, key, fingerprint, meme_id)
VALUES (%(client)s, %(key)s, %(fingerprint)s, %(meme_id)s)
ON CONFLICT (client, key) DO UPDATE
   SET fingerprint = excluded.fingerprint, meme_id = excluded.meme_id, created_at = now()
 WHERE i.created_at <= now() - {KEPT}
RETURNING meme_id
"""


async def find(db: Database, client: str, key: str) -> Row | None:
    async with cursor(db) as cur:
        return await fetch_one(cur, FIND, {"client": client, "key": key})


async def record(
    cur: aiopg.Cursor, client: str, key: str, fingerprint: bytes, meme_id: int
) -> bool:
    """In the caller's transaction: False when another create holds the key."""
    params = {"client": client, "key": key, "fingerprint": fingerprint, "meme_id": meme_id}
    return await fetch_value(cur, RECORD, params) is not None


async def forget_old(db: Database) -> None:
    async with cursor(db) as cur:
        await execute(cur, f"DELETE FROM idempotency_keys WHERE created_at <= now() - {KEPT}")
