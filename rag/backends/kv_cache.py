"""A small persistent key → text cache in SQLite, safe to share between processes."""

from __future__ import annotations

import threading
from pathlib import Path

from rag.backends.sqlite import connect


class KeyValueCache:
    """Text values by key, in one SQLite file (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with connect(self.path) as db:
            db.execute("CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value TEXT)")

    def get(self, key: str) -> str | None:
        with self._lock, connect(self.path) as db:
            found = db.execute("SELECT value FROM cache WHERE key = ?", (key,)).fetchone()
        return None if found is None else str(found[0])

    def put(self, key: str, value: str) -> None:
        with self._lock, connect(self.path) as db:
            db.execute("INSERT OR REPLACE INTO cache VALUES (?, ?)", (key, value))

    def __len__(self) -> int:
        with self._lock, connect(self.path) as db:
            return int(db.execute("SELECT COUNT(*) FROM cache").fetchone()[0])
