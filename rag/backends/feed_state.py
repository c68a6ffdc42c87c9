"""The followed feeds and the items already seen in them, in one SQLite file under the
index's home (safe to share between processes)."""

from __future__ import annotations

from pathlib import Path

from rag.backends.sqlite import connect
from rag.types import Feed

_FIELDS = list(Feed.model_fields)
_COLUMNS = ", ".join("url TEXT PRIMARY KEY" if f == "url" else f for f in _FIELDS)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS feeds ({_COLUMNS});
CREATE TABLE IF NOT EXISTS items (
    feed TEXT, url TEXT, stamp TEXT, article_id TEXT, PRIMARY KEY (feed, url)
);
"""


class FeedState:
    """Feeds by URL, and per feed the item URLs with the stamp (date or id) they were seen
    with, so that a poll indexes only what is new or changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with connect(self.path) as db:
            db.executescript(_SCHEMA)

    def feeds(self) -> list[Feed]:
        with connect(self.path) as db:
            rows = db.execute(f"SELECT {', '.join(_FIELDS)} FROM feeds ORDER BY added").fetchall()
        return [
            Feed(**{k: v for k, v in zip(_FIELDS, row, strict=True) if v is not None})
            for row in rows
        ]

    def get(self, url: str) -> Feed | None:
        return next((f for f in self.feeds() if f.url == url), None)

    def add(self, feed: Feed) -> None:
        values = feed.model_dump()
        with connect(self.path) as db:
            db.execute(
                f"INSERT OR IGNORE INTO feeds ({', '.join(_FIELDS)}) "
                f"VALUES ({', '.join('?' for _ in _FIELDS)})",
                [values[f] for f in _FIELDS],
            )

    def save(self, feed: Feed) -> None:
        """Update a followed feed; a feed removed meanwhile stays removed."""
        values = feed.model_dump()
        others = [f for f in _FIELDS if f != "url"]
        with connect(self.path) as db:
            db.execute(
                f"UPDATE feeds SET {', '.join(f'{f} = ?' for f in others)} WHERE url = ?",
                [*(values[f] for f in others), feed.url],
            )

    def claim(self, url: str, due_by: float, until: float) -> bool:
        """Take a due feed for one poller: its next poll moves to ``until``, so another
        process polling the same home leaves it alone. False when it was not due."""
        with connect(self.path) as db:
            return bool(
                db.execute(
                    "UPDATE feeds SET next_poll = ? WHERE url = ? AND next_poll <= ?",
                    (until, url, due_by),
                ).rowcount
            )

    def remove(self, url: str) -> bool:
        with connect(self.path) as db:
            gone = db.execute("DELETE FROM feeds WHERE url = ?", (url,)).rowcount
            db.execute("DELETE FROM items WHERE feed = ?", (url,))
        return bool(gone)

    def stamps(self, feed: str) -> dict[str, str]:
        """Item URL → the stamp it was last indexed with."""
        with connect(self.path) as db:
            rows = db.execute("SELECT url, stamp FROM items WHERE feed = ?", (feed,)).fetchall()
        return {str(u): str(s) for u, s in rows}

    def mark(self, feed: str, url: str, stamp: str, article_id: str) -> None:
        with connect(self.path) as db:
            db.execute(
                "INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?)", (feed, url, stamp, article_id)
            )
