"""Prompt templates (package data: rag.prompts)."""
