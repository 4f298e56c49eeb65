-- Moderation: a meme a moderator hid is seen by moderators only, and every moderator's
-- action is kept in a log (api.domain.moderation).
-- depends: 0013.templates

-- Adding a column with a constant default rewrites nothing: instant at any size.
ALTER TABLE memes ADD COLUMN visibility text NOT NULL DEFAULT 'public'
    CONSTRAINT memes_visibility CHECK (visibility IN ('public', 'hidden'));
-- The hidden memes are few: the moderators' list, and what the public counts leave out.
CREATE INDEX memes_hidden ON memes (created_at DESC, id DESC) WHERE visibility = 'hidden';

-- Who did what to which meme, when and why: appended, never changed. `meme_id` has no
-- foreign key: the log outlives the memes it removed.
CREATE TABLE moderation_log (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    -- A name from MODERATOR_TOKENS, `admin` for ADMIN_TOKEN, `auto` for the server's own.
    moderator text NOT NULL,
    action    text NOT NULL,
    meme_id   bigint,
    reason    text,
    -- What the action touched beyond the meme (a ban's id, the reports it closed...).
    details   jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX moderation_log_meme ON moderation_log (meme_id) WHERE meme_id IS NOT NULL;
