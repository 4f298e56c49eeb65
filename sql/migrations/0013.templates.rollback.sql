ALTER TABLE picture_features
    ADD COLUMN ph0 integer GENERATED ALWAYS AS ((phash >> 48) & 65535) STORED,
    ADD COLUMN ph1 integer GENERATED ALWAYS AS ((phash >> 32) & 65535) STORED,
    ADD COLUMN ph2 integer GENERATED ALWAYS AS ((phash >> 16) & 65535) STORED,
    ADD COLUMN ph3 integer GENERATED ALWAYS AS (phash & 65535) STORED;
CREATE INDEX picture_features_ph0 ON picture_features (ph0);
CREATE INDEX picture_features_ph1 ON picture_features (ph1);
CREATE INDEX picture_features_ph2 ON picture_features (ph2);
CREATE INDEX picture_features_ph3 ON picture_features (ph3);
DROP TRIGGER template_example_gone ON blobs;
DROP FUNCTION template_example_gone();
DROP TRIGGER picture_template_set ON blobs;
DROP FUNCTION picture_template_set();
DROP TRIGGER template_counts_truncate ON memes;
DROP TRIGGER template_counts_move ON memes;
DROP TRIGGER template_counts_delete ON memes;
DROP TRIGGER template_counts_insert ON memes;
DROP FUNCTION template_counts_truncated();
DROP FUNCTION template_counts_moved();
DROP FUNCTION template_counts_deleted();
DROP FUNCTION template_counts_inserted();
DROP FUNCTION template_count_changed(text[], integer);
DROP FUNCTION picture_template_key(text);
DROP TABLE template_count_changes;
ALTER TABLE picture_features DROP COLUMN template_hash;
ALTER TABLE blobs DROP COLUMN template_id, DROP COLUMN repost_of, DROP COLUMN phash;
DROP TABLE templates;
