-- Tags, full-text search, and an exact meme count that costs no scan.
-- depends: 0001.create-memes

-- Tags are normalised: one row per distinct tag, one row per (meme, tag).
CREATE TABLE tags (
    id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9_-]{1,50}$')
);

CREATE TABLE meme_tags (
    meme_id bigint NOT NULL REFERENCES memes (id) ON DELETE CASCADE,
    tag_id  integer NOT NULL REFERENCES tags (id),
    PRIMARY KEY (meme_id, tag_id)
);
-- Which memes have tag x: an index range, in meme order.
CREATE INDEX meme_tags_tag_id_meme_id ON meme_tags (tag_id, meme_id);

-- The meme's tags again, space-separated and sorted, written with meme_tags in one transaction:
-- a generated column can only read its own row, and the search vector must include the tags.
ALTER TABLE memes ADD COLUMN tags_text text NOT NULL DEFAULT '';

-- 'simple': no stemming, because memes are full of made-up words and not only English;
-- prefix queries (distrac:*) find the longer forms instead.
ALTER TABLE memes ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', title), 'A')
    || setweight(to_tsvector('simple', tags_text), 'B')
    || setweight(to_tsvector('simple', description), 'C')
) STORED;
CREATE INDEX memes_search ON memes USING gin (search);

-- sort=title and sort=-title, with the id as tiebreak.
CREATE INDEX memes_title_id ON memes (title, id);

-- count(*) over a million rows takes a scan; this single row is kept exact by triggers.
CREATE TABLE meme_count (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    memes     bigint NOT NULL
);
INSERT INTO meme_count (memes) SELECT count(*) FROM memes;

CREATE FUNCTION meme_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE meme_count SET memes = memes + (SELECT count(*) FROM inserted);
    RETURN NULL;
END $$;

CREATE FUNCTION meme_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE meme_count SET memes = memes - (SELECT count(*) FROM deleted);
    RETURN NULL;
END $$;

CREATE FUNCTION meme_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE meme_count SET memes = 0;
    RETURN NULL;
END $$;

CREATE TRIGGER meme_count_insert AFTER INSERT ON memes
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION meme_count_inserted();
CREATE TRIGGER meme_count_delete AFTER DELETE ON memes
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION meme_count_deleted();
CREATE TRIGGER meme_count_truncate AFTER TRUNCATE ON memes
    FOR EACH STATEMENT EXECUTE FUNCTION meme_count_truncated();
