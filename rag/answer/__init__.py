"""Answering: retrieval, prompts, verification (citations, gate, claim check), the chain."""
