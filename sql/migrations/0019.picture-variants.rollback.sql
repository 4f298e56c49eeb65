-- The variants' rows go; `python -m api reconcile` deletes the objects they leave unreferenced.
DELETE FROM thumbnails WHERE format <> 'webp' OR size NOT IN ('thumb', 'small');
ALTER TABLE thumbnails
    DROP CONSTRAINT thumbnails_pkey,
    ADD PRIMARY KEY (blob_sha256, size),
    DROP CONSTRAINT thumbnails_size,
    ADD CONSTRAINT thumbnails_size_check CHECK (size IN ('thumb', 'small')),
    DROP COLUMN content_type,
    DROP COLUMN format;
