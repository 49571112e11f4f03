"""A persistent cache of sampled instances, so a world's splits are computed once.

Sampling an instance runs its SQL on the world (milliseconds to a few hundred for population
questions). The cache stores, per bucket, the instances found and how far its candidate stream
has been read; a later process loads them and resumes the stream exactly where it stopped
(streams are deterministic), so results are identical with or without the cache. The file's
name carries a fingerprint of everything instances depend on (templates, dialect, split plan,
world), so a change of any of them starts a fresh cache. It lives in the data home, never in
a sandbox mount, and losing it only costs time.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from medagentgym.paths import subdir

FORMAT = 1
_SCHEMA = """
create table if not exists members (
    template text, split text, bucket integer, position integer, record text,
    primary key (template, split, bucket, position));
create table if not exists cursors (
    template text, split text, bucket integer, draw integer,
    primary key (template, split, bucket));
"""


def fingerprint(*parts: Any) -> str:
    """A digest of the EHR task code (every module of this package) and of ``parts``.

    Any change to templates, dialects or sampling code changes it, so a stale cache is never
    read.
    """
    digest = hashlib.blake2b(digest_size=10)
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    digest.update("\x1f".join(repr(p) for p in (FORMAT, *parts)).encode())
    return digest.hexdigest()


class InstanceCache:
    """Bucket contents and stream positions in one SQLite file (safe across threads and processes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._connection().executescript(_SCHEMA)

    @classmethod
    def for_world(cls, family: str, world_dir: str, key: str) -> InstanceCache:
        return cls(subdir("ehr-instances") / f"{family}-{world_dir}-{key}.sqlite")

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
            conn.execute("pragma journal_mode=wal")
            conn.execute("pragma synchronous=off")
            self._local.conn = conn
        return conn

    def load(self, template: str, split: str, bucket: int) -> tuple[list[dict[str, Any]], int]:
        """The cached members of a bucket, in order, and the next draw of its stream."""
        conn = self._connection()
        rows = conn.execute(
            "select record from members where template = ? and split = ? and bucket = ? order by position",
            (template, split, bucket),
        ).fetchall()
        cursor = conn.execute(
            "select draw from cursors where template = ? and split = ? and bucket = ?",
            (template, split, bucket),
        ).fetchone()
        return [json.loads(record) for (record,) in rows], cursor[0] if cursor else 0

    def save(
        self, template: str, split: str, bucket: int, records: Iterable[tuple[int, dict[str, Any]]], draw: int
    ) -> None:
        """Store new members (position, record) and the stream position after them."""
        conn = self._connection()
        conn.execute("begin")
        try:
            conn.executemany(
                "insert or ignore into members values (?, ?, ?, ?, ?)",
                [(template, split, bucket, position, json.dumps(record)) for position, record in records],
            )
            conn.execute(
                "insert into cursors values (?, ?, ?, ?) on conflict (template, split, bucket) "
                "do update set draw = max(draw, excluded.draw)",
                (template, split, bucket, draw),
            )
        except BaseException:
            conn.execute("rollback")
            raise
        conn.execute("commit")
