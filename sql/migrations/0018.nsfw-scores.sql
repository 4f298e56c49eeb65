-- NSFW scores: a picture's job scores it (api.imaging.features, the open_nsfw model), and a
-- meme is `sensitive` when its picture scores over NSFW_THRESHOLD or someone marked it.
-- `python -m api jobs --backfill nsfw` scores the pictures processed before this migration.
-- depends: 0017.bans

-- The score the job found (0-1); NULL before, and for pictures processed before this.
ALTER TABLE picture_features ADD COLUMN nsfw real;
-- What the backfill has left to do: empty once it is done.
CREATE INDEX picture_features_no_nsfw ON picture_features (sha256) WHERE nsfw IS NULL;

-- On the picture's row, where a meme's JSON reads it with no join (migration 0011), copied by
-- the trigger below; NULL until scored.
ALTER TABLE blobs ADD COLUMN nsfw real;

-- Who marked the meme: `poster` (sensitive, by its edit token), `moderator` (sensitive, by a
-- moderator), `cleared` (not sensitive whatever the score: a moderator unmarked it); NULL:
-- nobody, the score decides. A constant default (NULL): instant at any size.
ALTER TABLE memes ADD COLUMN sensitive_mark text
    CONSTRAINT memes_sensitive_mark CHECK (sensitive_mark IN ('poster', 'moderator', 'cleared'));

CREATE OR REPLACE FUNCTION picture_features_shown() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE blobs SET text = NULL, placeholder = NULL, nsfw = NULL WHERE sha256 = OLD.sha256;
    ELSE
        UPDATE blobs SET text = NEW.text, placeholder = NEW.placeholder, nsfw = NEW.nsfw
         WHERE sha256 = NEW.sha256
           AND (text, placeholder, nsfw) IS DISTINCT FROM (NEW.text, NEW.placeholder, NEW.nsfw);
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER picture_features_shown ON picture_features;
CREATE TRIGGER picture_features_shown
    AFTER INSERT OR DELETE OR UPDATE OF text, placeholder, nsfw ON picture_features
    FOR EACH ROW EXECUTE FUNCTION picture_features_shown();
