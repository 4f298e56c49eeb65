DROP TABLE picture_features;
DROP TRIGGER picture_job_insert ON blobs;
DROP FUNCTION picture_job_queued();
DROP TABLE picture_jobs;
