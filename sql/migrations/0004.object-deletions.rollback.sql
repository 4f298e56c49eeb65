DROP TABLE object_uploads;
DROP TABLE object_deletions;
