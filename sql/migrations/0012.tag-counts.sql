-- The number of memes of each tag, so that GET /tags reads a row per tag instead of counting
-- meme_tags (3.5 s at 10 million memes). Written by triggers on meme_tags, whoever writes it
-- (set_tags, a meme's delete cascading, fixtures, COPY), in the writer's own transaction.
-- depends: 0009.picture-words-weighted

-- What the triggers write is only appended: a change per tag and statement. Adding to one row
-- per tag instead would make two writers wait on each other (every upload tagged `cats`) and
-- deadlock when they lock two tags, or a tag and meme_count, in opposite orders.
CREATE TABLE tag_count_changes (
    tag_id integer NOT NULL,
    memes  bigint NOT NULL
);
-- The changes summed, now and then (api.db.tags.fold_tag_counts, in the api's housekeeping):
-- a tag's count is its row here plus its changes not folded in yet.
CREATE TABLE tag_counts (
    tag_id integer PRIMARY KEY,
    memes  bigint NOT NULL
);
INSERT INTO tag_counts (tag_id, memes) SELECT tag_id, count(*) FROM meme_tags GROUP BY tag_id;

CREATE FUNCTION tag_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tag_count_changes (tag_id, memes)
    SELECT tag_id, count(*) FROM inserted GROUP BY tag_id;
    RETURN NULL;
END $$;

CREATE FUNCTION tag_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tag_count_changes (tag_id, memes)
    SELECT tag_id, -count(*) FROM deleted GROUP BY tag_id;
    RETURN NULL;
END $$;

CREATE FUNCTION tag_counts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tag_count_changes;
    DELETE FROM tag_counts;
    RETURN NULL;
END $$;

CREATE TRIGGER tag_counts_insert AFTER INSERT ON meme_tags
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION tag_counts_inserted();
CREATE TRIGGER tag_counts_delete AFTER DELETE ON meme_tags
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION tag_counts_deleted();
CREATE TRIGGER tag_counts_truncate AFTER TRUNCATE ON meme_tags
    FOR EACH STATEMENT EXECUTE FUNCTION tag_counts_truncated();

