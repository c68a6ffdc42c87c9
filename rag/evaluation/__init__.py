"""Evaluation: rag eval, rag bench, the naive baseline, the faithfulness check."""
