-- Templates: pictures whose words, masked out, leave alike pictures (api.imaging.templates)
-- share one. A picture's job finds its template, or makes one with the picture as its example
-- (api.db.templates); `python -m api jobs --backfill templates` does it for pictures processed
-- before this migration.
-- depends: 0012.tag-counts

CREATE TABLE templates (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The template hash of its first picture; pictures within TEMPLATE_DISTANCE bits of it
    -- join the template. Multi-index hashing, as picture_features' phash (api.db.similar).
    signature  bigint NOT NULL,
    sg0        integer GENERATED ALWAYS AS ((signature >> 48) & 65535) STORED,
    sg1        integer GENERATED ALWAYS AS ((signature >> 32) & 65535) STORED,
    sg2        integer GENERATED ALWAYS AS ((signature >> 16) & 65535) STORED,
    sg3        integer GENERATED ALWAYS AS (signature & 65535) STORED,
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
CREATE INDEX templates_sg0 ON templates (sg0);
CREATE INDEX templates_sg1 ON templates (sg1);
CREATE INDEX templates_sg2 ON templates (sg2);
CREATE INDEX templates_sg3 ON templates (sg3);
-- GET /templates, most used first: read in this index's order, never grouped.
CREATE INDEX templates_most_used ON templates (memes DESC, id) WHERE example_sha256 IS NOT NULL;

-- On the picture's row, where a meme's JSON reads it (migration 0011): NULL until its job is
-- done (for good: never while pending or failed).
ALTER TABLE blobs ADD COLUMN template_id bigint REFERENCES templates (id);
CREATE INDEX blobs_template_id ON blobs (template_id) WHERE template_id IS NOT NULL;

-- The picture's template hash, found by its job; NULL for pictures processed before.
ALTER TABLE picture_features
    ADD COLUMN template_hash bigint,
    ADD COLUMN th0 integer GENERATED ALWAYS AS ((template_hash >> 48) & 65535) STORED,
    ADD COLUMN th1 integer GENERATED ALWAYS AS ((template_hash >> 32) & 65535) STORED,
    ADD COLUMN th2 integer GENERATED ALWAYS AS ((template_hash >> 16) & 65535) STORED,
    ADD COLUMN th3 integer GENERATED ALWAYS AS (template_hash & 65535) STORED;
CREATE INDEX picture_features_th0 ON picture_features (th0);
CREATE INDEX picture_features_th1 ON picture_features (th1);
CREATE INDEX picture_features_th2 ON picture_features (th2);
CREATE INDEX picture_features_th3 ON picture_features (th3);
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
