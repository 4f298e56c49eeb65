DROP TABLE memes;
DROP TABLE blobs;
