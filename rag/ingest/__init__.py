"""Ingest: reading article files, metadata, chunking, and the indexing pipeline."""
