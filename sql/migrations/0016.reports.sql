-- Reports: anyone may report a meme (one open report per client and meme); moderators close
-- them (api.domain.reports). Closed reports are kept for the record.
-- depends: 0014.moderation

-- `meme_id` has no foreign key: the reports of a removed meme stay, closed, with the log.
CREATE TABLE reports (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    meme_id    bigint NOT NULL,
    -- HMAC of the client's address under the server's key: counts distinct clients, and
    -- keeps no address.
    client     bytea NOT NULL,
    reason     text NOT NULL CONSTRAINT reports_reason
        CHECK (reason IN ('spam', 'nsfw', 'illegal', 'harassment', 'other')),
    note       text CONSTRAINT reports_note CHECK (char_length(note) <= 500),
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Set together when a moderator closes the report: who, and what they did.
    closed_at  timestamptz,
    closed_by  text,
    action     text,
    CONSTRAINT reports_closed CHECK (
        (closed_at IS NULL) = (closed_by IS NULL) AND (closed_at IS NULL) = (action IS NULL))
);
-- One open report per client and meme; also the queue's index (open reports are few).
CREATE UNIQUE INDEX reports_open ON reports (meme_id, client) WHERE closed_at IS NULL;
