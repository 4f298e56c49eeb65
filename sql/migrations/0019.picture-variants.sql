-- Variants: a picture in the sizes the gallery shows it (the grid's crop at 1x and 2x, a
-- page-sized one) and the formats browsers accept (AVIF, WebP, or `plain`: JPEG or PNG).
-- They are rows of `thumbnails`, as the WebP `thumb` and `small` were: stored as objects of
-- their own, deleted with their picture (the cascade, then the outbox) like those.
-- depends: 0018.nsfw-scores

-- The format asked for, and the media type made for it (`plain` is JPEG or PNG). A constant
-- default: instant at any size; the rows before this are all WebP.
ALTER TABLE thumbnails
    ADD COLUMN format text NOT NULL DEFAULT 'webp'
        CONSTRAINT thumbnails_format CHECK (format IN ('avif', 'webp', 'plain')),
    ADD COLUMN content_type text NOT NULL DEFAULT 'image/webp'
        CONSTRAINT thumbnails_content_type
        CHECK (content_type IN ('image/avif', 'image/webp', 'image/jpeg', 'image/png')),
    DROP CONSTRAINT thumbnails_size_check,
    ADD CONSTRAINT thumbnails_size CHECK (size IN ('thumb', 'small', 'grid', 'grid2x', 'page')),
    DROP CONSTRAINT thumbnails_pkey,
    ADD PRIMARY KEY (blob_sha256, size, format);
