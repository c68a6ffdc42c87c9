"""50 concurrent questions through the page's HTTP API, against the embedded model: every
one is queued (with its place in the queue reported) and answered; none is lost or fails.
The latency and throughput figures are printed (and saved in test-artifacts/load.json);
they are measurements, not pass/fail targets."""

from __future__ import annotations

import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import ROOT
from tests.ui.test_browser import app_url  # noqa: F401  (the page, served by `rag ui`)

pytestmark = pytest.mark.integration

QUESTIONS = [
    'Who said "Peace cannot mean capitulation"?',
    "What did Kaja Kallas say?",
    'Who said "Not that I know of"?',
    "What did Gen Barrons say about nuclear weapons?",
    'Did Barrot say "Peace cannot mean capitulation"?',
    "What did Matthew Whitaker say?",
    "What did the US suggest about Germany and Nato?",
    "What did Angela Merkel say about the plan?",
    "Who described the German reaction as “a bit squirmy”?",
    "Who is Keith Kellogg?",
]
N = 50


def test_fifty_concurrent_questions_are_all_answered(app_url: str) -> None:  # noqa: F811
    from gradio_client import Client
    from gradio_client.utils import Status

    client = Client(app_url, verbose=False)
    queued_positions: list[int] = []

    def one(i: int) -> tuple[float, str]:
        start = time.monotonic()
        job = client.submit(QUESTIONS[i % len(QUESTIONS)], [], api_name="/respond")
        while not job.done():
            status = job.status()
            if status.code == Status.IN_QUEUE and status.rank is not None:
                queued_positions.append(status.rank)
            time.sleep(0.5)
        outputs = job.outputs()
        history = outputs[-1][0]
        return time.monotonic() - start, str(history[-1]["content"])

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=N) as pool:
        results = list(pool.map(one, range(N)))
    wall = time.monotonic() - start

    answers = [text for _, text in results]
    assert len(answers) == N
    assert not [a for a in answers if "badge error" in a or not a.strip()], answers
    assert all("streaming" not in a for a in answers)
    assert sum("Barrot" in a for a in answers[:: len(QUESTIONS)]) == N // len(QUESTIONS)
    assert queued_positions and max(queued_positions) > 10  # waiting was reported

    latencies = sorted(t for t, _ in results)
    figures = {
        "questions": N,
        "wall_s": round(wall, 1),
        "throughput_per_min": round(60 * N / wall, 1),
        "latency_p50_s": round(statistics.median(latencies), 1),
        "latency_p95_s": round(latencies[int(0.95 * (N - 1))], 1),
        "max_queue_position_seen": max(queued_positions),
    }
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "load.json").write_text(json.dumps(figures, indent=2))
    print("load:", figures)
