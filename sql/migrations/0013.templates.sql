-- Templates: pictures whose words, masked out, leave alike pictures (api.imaging.templates)
-- share one. A picture's job finds its template, or makes one with the picture as its example
-- (api.db.templates); `python -m api jobs --backfill templates` does it for pictures processed
-- before this migration.
-- depends: 0012.tag-counts

CREATE TABLE templates (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The template hash of its first picture; a picture within TEMPLATE_DISTANCE bits of it
    -- joins the template. Read by a scan, by the picture's job only (one row per template:
    -- far fewer than pictures); 17 bits of 64 are too many for multi-index hashing's probes.
    signature  bigint NOT NULL,
    -- The example: a picture of the template (its first, then, when that picture's last meme
    -- goes, the oldest left: a trigger below). A picture, not a meme: a meme is deleted, edited
    -- or given another picture, while the template's look is its pictures'. No foreign key:
    -- the trigger that picks the next example does what ON DELETE would, and more.
    -- NULL once no picture of the template is left (it is then not shown).
    example_sha256 text,
    -- How many memes use the template, as of the last fold of template_count_changes
    -- (api.db.templates.fold_template_counts, in the api's housekeeping).
    memes      bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- GET /templates, most used first: read in this index's order, never grouped.
CREATE INDEX templates_most_used ON templates (memes DESC, id) WHERE example_sha256 IS NOT NULL;

-- On the picture's row, where a meme's JSON reads it (migration 0011): NULL until its job is
-- done (for good: never while pending or failed).
ALTER TABLE blobs ADD COLUMN template_id bigint REFERENCES templates (id),
    -- The first picture of the template with the same words (api.imaging.templates.same_words),
    -- itself if none was before it: the pictures of one repost_of are reposts of each other.
    ADD COLUMN repost_of text,
    -- The picture's perceptual hash (picture_features.phash), set with its template: with it
    -- in the indexes below, /memes/{id}/similar orders a relation's pictures nearest first
    -- from the index alone (a popular template has 24,000 pictures: a probe of
    -- picture_features for each took 100 ms and more; python -m bench processing).
    ADD COLUMN phash bigint;
CREATE INDEX blobs_template_id ON blobs (template_id) INCLUDE (repost_of, phash, sha256)
    WHERE template_id IS NOT NULL;
CREATE INDEX blobs_repost_of ON blobs (repost_of) INCLUDE (phash, sha256)
    WHERE repost_of IS NOT NULL;

-- The picture's template hash, found by its job; NULL for pictures processed before.
ALTER TABLE picture_features ADD COLUMN template_hash bigint;
-- What the backfill has left to do: empty once it is done.
CREATE INDEX picture_features_no_template ON picture_features (sha256)
    WHERE template_hash IS NULL;

-- Memes per template, as tag_counts (0012): changes only appended by the writers (a new
-- meme of a template's picture, a deleted one, a picture replaced, a picture given its
-- template), summed into templates.memes by the fold. A row per template written by every
-- upload would make the uploads of a popular template wait on each other.
CREATE TABLE template_count_changes (
    template_id bigint NOT NULL,
    memes       bigint NOT NULL
);
CREATE INDEX template_count_changes_template ON template_count_changes (template_id);

-- A picture's template is set (api.db.templates.assign_template) under an exclusive lock of
-- this key, which the memes' triggers take shared for pictures without a template yet: a meme
-- added or deleted while its picture gets its template is counted once, by one side or the
-- other, never by both or neither.
CREATE FUNCTION picture_template_key(sha256 text) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS $$ SELECT hashtextextended('template of ' || sha256, 0) $$;

-- `sign` 1 for added memes, -1 for removed ones; `pictures` the sha256 of each meme.
CREATE FUNCTION template_count_changed(pictures text[], sign integer) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(picture_template_key(unsure.sha256))
       FROM (SELECT DISTINCT b.sha256 FROM blobs b
              WHERE b.sha256 = ANY (pictures) AND b.template_id IS NULL
              ORDER BY b.sha256) AS unsure;
    -- A statement of its own, so a snapshot of its own: it sees the template given meanwhile.
    INSERT INTO template_count_changes (template_id, memes)
    SELECT b.template_id, sign * count(*)
      FROM unnest(pictures) AS p (sha256) JOIN blobs b ON b.sha256 = p.sha256
     WHERE b.template_id IS NOT NULL
     GROUP BY b.template_id;
END $$;

CREATE FUNCTION template_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM template_count_changed((SELECT array_agg(image_sha256) FROM inserted), 1);
    RETURN NULL;
END $$;
CREATE FUNCTION template_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM template_count_changed((SELECT array_agg(image_sha256) FROM deleted), -1);
    RETURN NULL;
END $$;
CREATE FUNCTION template_counts_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM template_count_changed(ARRAY[OLD.image_sha256], -1);
    PERFORM template_count_changed(ARRAY[NEW.image_sha256], 1);
    RETURN NULL;
END $$;
CREATE FUNCTION template_counts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM template_count_changes;
    UPDATE templates SET memes = 0 WHERE memes <> 0;
    RETURN NULL;
END $$;
CREATE TRIGGER template_counts_insert AFTER INSERT ON memes
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION template_counts_inserted();
CREATE TRIGGER template_counts_delete AFTER DELETE ON memes
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT
    EXECUTE FUNCTION template_counts_deleted();
CREATE TRIGGER template_counts_move AFTER UPDATE OF image_sha256 ON memes
    FOR EACH ROW WHEN (OLD.image_sha256 IS DISTINCT FROM NEW.image_sha256)
    EXECUTE FUNCTION template_counts_moved();
CREATE TRIGGER template_counts_truncate AFTER TRUNCATE ON memes
    FOR EACH STATEMENT EXECUTE FUNCTION template_counts_truncated();

-- A picture given its template brings its memes along (under the picture's lock, above).
CREATE FUNCTION picture_template_set() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    used bigint;
BEGIN
    SELECT count(*) INTO used FROM memes WHERE image_sha256 = NEW.sha256;
    IF OLD.template_id IS NOT NULL THEN
        INSERT INTO template_count_changes VALUES (OLD.template_id, -used);
    END IF;
    IF NEW.template_id IS NOT NULL THEN
        INSERT INTO template_count_changes VALUES (NEW.template_id, used);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER picture_template_set AFTER UPDATE OF template_id ON blobs
    FOR EACH ROW WHEN (OLD.template_id IS DISTINCT FROM NEW.template_id)
    EXECUTE FUNCTION picture_template_set();

-- A picture goes when its last meme does: if it was its template's example, the oldest
-- picture left of the template is the example now (NULL if none is left).
CREATE FUNCTION template_example_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE templates t
       SET example_sha256 = (SELECT b.sha256 FROM blobs b
                              WHERE b.template_id = OLD.template_id AND b.sha256 <> OLD.sha256
                              ORDER BY b.created_at, b.sha256 LIMIT 1)
     WHERE t.id = OLD.template_id AND t.example_sha256 = OLD.sha256;
    RETURN NULL;
END $$;
CREATE TRIGGER template_example_gone AFTER DELETE ON blobs
    FOR EACH ROW WHEN (OLD.template_id IS NOT NULL)
    EXECUTE FUNCTION template_example_gone();

-- /memes/{id}/similar no longer probes the perceptual hash's chunks (0008): a picture's
-- reposts and template are found once, by its job, and read through the indexes above.
ALTER TABLE picture_features DROP COLUMN ph0, DROP COLUMN ph1, DROP COLUMN ph2, DROP COLUMN ph3;
