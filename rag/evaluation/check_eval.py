"""Scoring ``rag check`` on the checking gold set (rag.evaluation.check_gold): verdict
accuracy per kind, and whether the evidence cites the original's span."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from rag.answer.check import QuoteVerdict, Verdict
from rag.evaluation.check_gold import KINDS, CheckCase
from rag.evaluation.eval import names_answer

Checker = Callable[[str, str], QuoteVerdict]


@dataclass(frozen=True)
class CheckScore:
    """One gold claim, what the check said, and whether it was right."""

    case: CheckCase
    verdict: Verdict
    correct: bool  # the expected verdict
    cited: bool  # the evidence holds the original (by its real speaker, when misattributed)
    seconds: float


def score_check(case: CheckCase, found: QuoteVerdict, seconds: float) -> CheckScore:
    if case.kind == "invented":
        cited = not found.evidence
    else:
        over = [
            e.quote
            for e in found.evidence
            if e.quote.article_id == case.article_id
            and e.quote.start < case.end
            and case.start < e.quote.end
        ]
        if case.kind == "misattributed":
            over = [q for q in over if names_answer(case.said_by, q.speaker)]
        cited = bool(over)
    return CheckScore(case, found.verdict, found.verdict == case.expected, cited, seconds)


def run_checks(
    cases: Sequence[CheckCase],
    checker: Checker,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> list[CheckScore]:
    out = []
    for n, case in enumerate(cases, 1):
        began = time.perf_counter()
        found = checker(case.claim, case.speaker)
        out.append(score_check(case, found, time.perf_counter() - began))
        progress(n, len(cases))
    return out


@dataclass(frozen=True)
class KindSummary:
    n: int
    verdict_accuracy: float
    evidence_accuracy: float
    verdicts: dict[str, int]  # what the check answered, most often first

    @classmethod
    def of(cls, scores: Sequence[CheckScore]) -> KindSummary:
        n = max(len(scores), 1)
        return cls(
            len(scores),
            round(sum(s.correct for s in scores) / n, 3),
            round(sum(s.cited for s in scores) / n, 3),
            dict(Counter(s.verdict for s in scores).most_common()),
        )


@dataclass(frozen=True)
class CheckReport:
    overall: KindSummary
    by_kind: dict[str, KindSummary]
    p50_seconds: float | None
    failures: list[str]  # gold claim ids with the wrong verdict or evidence

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def table(self) -> str:
        lines = [f"{'kind':<14} {'n':>5} {'verdict':>8} {'evidence':>9}  verdicts"]
        for kind, row in {"overall": self.overall, **self.by_kind}.items():
            verdicts = ", ".join(f"{k} {v}" for k, v in row.verdicts.items())
            lines.append(
                f"{kind:<14} {row.n:>5} {row.verdict_accuracy:>8.3f} "
                f"{row.evidence_accuracy:>9.3f}  {verdicts}"
            )
        lines.append(f"p50 {self.p50_seconds} s per check")
        return "\n".join(lines)


def check_report(scores: Sequence[CheckScore]) -> CheckReport:
    """Per kind: how many, verdict accuracy, evidence accuracy and what was answered."""
    seconds = sorted(s.seconds for s in scores)
    return CheckReport(
        KindSummary.of(scores),
        {
            kind: KindSummary.of(mine)
            for kind in KINDS
            if (mine := [s for s in scores if s.case.kind == kind])
        },
        round(seconds[len(seconds) // 2], 3) if seconds else None,
        [s.case.id for s in scores if not (s.correct and s.cited)],
    )


def write_check_rows(path: Path, scores: Sequence[CheckScore]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for s in scores:
            row = {**asdict(s.case), "verdict": s.verdict, "correct": s.correct, "cited": s.cited}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
