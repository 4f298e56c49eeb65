-- Creates retried with the same Idempotency-Key answer with the meme the first one made.
-- The fingerprint is the sha256 of what was sent (the words and the picture's bytes), so the
-- same key with another body is refused. Kept 24 hours (the api's housekeeping drops older).
-- depends: 0006.rate-limits

CREATE TABLE idempotency_keys (
    key         text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint bytea NOT NULL,
    meme_id     bigint NOT NULL,  -- no foreign key: a replay after a delete is told so
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
