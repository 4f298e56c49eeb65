-- Creates retried with the same Idempotency-Key answer with the meme the first one made.
-- The fingerprint is the sha256 of what was sent (the words and the picture's bytes), so the
-- same key with another body is refused. Kept 24 hours (the api's housekeeping drops older).
-- depends: 0006.rate-limits

-- A key is the client's own: the same key from another address is another key.
CREATE TABLE idempotency_keys (
    client      text NOT NULL,
    key         text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint bytea NOT NULL,
    -- NULL once the meme is deleted: a replay is told so, never given a meme with a reused id.
    meme_id     bigint REFERENCES memes ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
CREATE INDEX idempotency_keys_meme_id ON idempotency_keys (meme_id);
