"""The default corpus, indexed when the index is empty (package data: rag.seeds)."""
