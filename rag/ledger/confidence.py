"""How often each way of finding a speaker names the right one: the ``confidence`` a ledger
row records. Measured on polnear-train (1,323 who-said cases) with
``rag bench --cases ../shared/eval/polnear-train/cases.jsonl`` ("speaker precision by
method"); a method with too few rows there to measure has none. Last measured at extractor
43 (rule 1,413 rows, continuation 247, clause 30); the model step now answers only 11 rows
there (all right), too few to measure again, so its figure is the earlier one."""

from __future__ import annotations

from rag.types import Quote, SpeakerMethod

CONFIDENCE: dict[SpeakerMethod, float] = {
    "rule": 0.95,
    "continuation": 0.89,
    "clause": 0.80,
    "model": 0.57,
}


def with_confidence(row: Quote) -> Quote:
    """The row with its method's measured confidence (unattributed rows have none)."""
    measured = CONFIDENCE.get(row.method) if row.speaker else None
    return row if measured == row.confidence else row.model_copy(update={"confidence": measured})
