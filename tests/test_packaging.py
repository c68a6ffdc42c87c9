"""A wheel built from the project holds everything a user needs: prompts, seeds and the page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [*PIP, "wheel", "-q", str(ROOT), "--no-deps", "--no-build-isolation", "-w", str(out)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("rag_news-*.whl")
    return built


def test_the_wheel_holds_prompts_seeds_and_the_page(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for prompt in (ROOT / "prompts").glob("*.txt"):
        assert f"rag/prompts/{prompt.name}" in names
    for seed in (ROOT / "seeds").iterdir():
        if seed.suffix != ".py":
            assert f"rag/seeds/{seed.name}" in names
    assert {"rag/ui/app.py", "rag/ui/render.py", "rag/lexicon.py"} <= names
    for layer in ("text", "ingest", "ledger", "backends", "answer", "evaluation"):
        assert f"rag/{layer}/__init__.py" in names
    # Only one top-level package: nothing named plain "ui" to collide with other projects.
    assert {n.split("/")[0] for n in names if not n.startswith("rag_news-")} == {"rag"}


def test_an_installed_wheel_answers_a_seed_question(wheel: Path, tmp_path: Path) -> None:
    """Installed (not editable) away from the source tree: the prompts and the seed corpus
    are found as package data, the seed is indexed and a who-said question is answered from
    it (by the ledger, so without the model), and the page's module imports."""
    target = tmp_path / "site"
    subprocess.run(
        [*PIP, "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    script = (
        "import json, rag, rag.ui.app\n"
        "from rag.backends.prompts import PROMPTS_DIR\n"
        "from rag.settings import Settings\n"
        "answer = rag.ask('Who said \"Peace cannot mean capitulation\"?')\n"
        "print(json.dumps({'rag': rag.__file__, 'prompts': str(PROMPTS_DIR),\n"
        "    'seeds': str(Settings().seeds_dir), 'text': answer.text}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target), "RAG_HOME": str(tmp_path / "home")}
    env.pop("RAG_SEEDS_DIR", None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    for key in ("rag", "prompts", "seeds"):
        assert got[key].startswith(str(target)), (key, got[key])
    assert "Barrot" in got["text"] and "[1]" in got["text"]
