DROP TRIGGER picture_features_shown ON picture_features;
DROP FUNCTION picture_features_shown();
DROP TRIGGER picture_job_shown ON picture_jobs;
DROP FUNCTION picture_job_shown();
ALTER TABLE blobs DROP COLUMN processing, DROP COLUMN processing_error, DROP COLUMN text,
                  DROP COLUMN placeholder;
