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
ALTER TABLE picture_features DROP COLUMN th0, DROP COLUMN th1, DROP COLUMN th2, DROP COLUMN th3,
                             DROP COLUMN template_hash;
ALTER TABLE blobs DROP COLUMN template_id;
DROP TABLE templates;
