DROP TRIGGER tag_counts_truncate ON meme_tags;
DROP TRIGGER tag_counts_delete ON meme_tags;
DROP TRIGGER tag_counts_insert ON meme_tags;
DROP FUNCTION tag_counts_truncated();
DROP FUNCTION tag_counts_deleted();
DROP FUNCTION tag_counts_inserted();
DROP TABLE tag_counts;
DROP TABLE tag_count_changes;
