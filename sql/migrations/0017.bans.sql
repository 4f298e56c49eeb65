-- Bans: pictures a moderator banned (api.domain.bans), refused at upload with their near
-- copies (api.domain.memes).
-- depends: 0016.reports

CREATE TABLE bans (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    moderator  text NOT NULL,
    reason     text,
    -- The meme it came from; no foreign key: the ban outlives the meme it removed.
    meme_id    bigint,
    sha256     text NOT NULL UNIQUE,
    -- The 256-bit near-copy hash (api.imaging.copies), compared by bit_count(a # b) ...
    copy_hash  bit(256) NOT NULL,
    -- ... on the few bans that share one of its 16 chunks of 16 bits (each tagged with its
    -- place): two hashes within 15 bits share one, so one index finds every candidate.
    copy_chunks integer[] NOT NULL
);
CREATE INDEX bans_copy_chunks ON bans USING gin (copy_chunks);
