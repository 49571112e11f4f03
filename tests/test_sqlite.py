"""Read-only database connections: usable, really read-only, and clear about bad files."""

import sqlite3

import pytest

from medagentgym.errors import DataError
from medagentgym.sqlite import connect_readonly


def test_reads_and_refuses_writes(tmp_path):
    path = tmp_path / "a.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
        conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(100)])
    conn = connect_readonly(path)
    assert conn.execute("SELECT sum(x) FROM t").fetchone() == (4950,)
    assert conn.execute("PRAGMA mmap_size").fetchone()[0] > 0
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("INSERT INTO t VALUES (1)")


@pytest.mark.parametrize("content", [None, b"not a database at all, just text" * 10])
def test_missing_or_foreign_files_are_data_errors(tmp_path, content):
    path = tmp_path / "bad.db"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataError, match="cannot read the SQLite database"):
        connect_readonly(path)
