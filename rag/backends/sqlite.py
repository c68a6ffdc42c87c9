"""One way to open the project's small SQLite files: a connection per use, committed or
rolled back, always closed (safe to share the file between processes)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(path, timeout=30)
    try:
        with db:  # commits, or rolls back on error
            yield db
    finally:
        db.close()
