"""Figures for the chat page, measured in a real headless Chromium: time from navigation to
an interactive page, and per question the time to the first streamed text and to the
finished answer. Starts `rag ui` on a free port with a fresh index of seeds/ (the embedded
model server is started or reused as usual).

    .venv/bin/python scripts/ui_figures.py [--loads 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
QUESTIONS = [
    "What did the US suggest about Germany and Nato?",
    "What does the plan demand from Ukraine?",
    'Who said "Peace cannot mean capitulation"?',
    "What did Kaja Kallas say?",
    "What did Gen Barrons say about nuclear weapons?",
]
FIRST_TEXT = """(before) => {
  const bots = [...document.querySelectorAll('[data-testid="bot"]')];
  const last = bots[bots.length - 1];
  if (bots.length <= before || !last) return false;
  const text = last.innerText.trim();
  return text.length > 2 && text !== '…' && !text.includes('server is starting');
}"""
DONE = """(before) => {
  const bots = [...document.querySelectorAll('[data-testid="bot"]')];
  const last = bots[bots.length - 1];
  return bots.length > before && !!last && !last.querySelector('.streaming');
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(home: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "RAG_HOME": str(home), "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ui", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(240):
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the page did not come up")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5, help="Page loads to time.")
    opts = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="ui-figures-") as tmp:
        proc, url = serve(Path(tmp) / "home")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                loads = []
                for _ in range(opts.loads):
                    page = browser.new_page()
                    start = time.perf_counter()
                    page.goto(url)
                    page.wait_for_selector("#question textarea", state="visible")
                    loads.append(time.perf_counter() - start)
                    page.close()
                print(
                    f"page load to interactive: p50 {statistics.median(loads):.2f} s "
                    f"({', '.join(f'{x:.2f}' for x in loads)})"
                )
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(url)
                page.wait_for_selector("#question textarea")
                first, total = [], []
                for question in QUESTIONS:
                    before = page.locator("[data-testid='bot']").count()
                    page.fill("#question textarea", question)
                    start = time.perf_counter()
                    page.press("#question textarea", "Enter")
                    page.wait_for_function(FIRST_TEXT, arg=before, timeout=300_000)
                    first.append(time.perf_counter() - start)
                    page.wait_for_function(DONE, arg=before, timeout=300_000)
                    total.append(time.perf_counter() - start)
                    print(f"  {first[-1]:5.2f} s first text, {total[-1]:5.2f} s done: {question}")
                print(
                    f"first streamed text: p50 {statistics.median(first):.2f} s; "
                    f"finished answer: p50 {statistics.median(total):.2f} s "
                    f"({len(QUESTIONS)} questions; the first includes any model start)"
                )
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
