"""The private media service: stores and serves the picture blobs."""
