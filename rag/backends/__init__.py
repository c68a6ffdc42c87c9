"""Backends, each chosen in one place: embeddings, the LLM, the Chroma store, keyword search."""
