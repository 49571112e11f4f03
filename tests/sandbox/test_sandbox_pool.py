"""What an agent sees when its code runs: ``python main.py`` semantics, scratch, mounts, limits."""

from __future__ import annotations

import asyncio
import signal
import threading
from pathlib import Path

import pytest

from medagentgym.errors import ConfigError, SandboxError
from medagentgym.sandbox import Limits, Mount

# How many `sleep` processes the sandbox can see (its own PID namespace: only its own).
_COUNT_SLEEPS = (
    "import glob\nprint(sum(open(p).read().strip() == 'sleep' for p in glob.glob('/proc/[0-9]*/comm')))"
)


def test_runs_like_a_script(pool):
    with pool.session() as session:
        result = session.run_python(
            "import sys\nprint(__name__, sys.argv)\nprint('to stderr', file=sys.stderr)\n"
            "if __name__ == '__main__':\n    print('main guard')"
        )
    assert result.ok and result.exit_code == 0 and result.signal is None and not result.truncated
    assert result.stdout == "__main__ ['main.py']\nmain guard\n"
    assert result.stderr == "to stderr\n"
    assert result.duration_s > 0


def test_tracebacks_start_at_the_agent_code(pool):
    with pool.session() as session:
        result = session.run_python("def f():\n    return 1 / 0\n\nf()")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1] == '  File "main.py", line 4, in <module>'
    assert "return 1 / 0" in result.stderr and lines[-1] == "ZeroDivisionError: division by zero"
    assert "medagentgym" not in result.stderr


def test_syntax_errors_and_exit_codes(pool):
    with pool.session() as session:
        syntax = session.run_python("x = (")
        assert syntax.exit_code == 1 and "SyntaxError" in syntax.stderr and "Traceback" not in syntax.stderr
        assert session.run_python("import sys; sys.exit(3)").exit_code == 3
        assert session.run_python("raise SystemExit").exit_code == 0
        message = session.run_python("import sys; sys.exit('bye')")
        assert message.exit_code == 1 and message.stderr == "bye\n"
        interrupted = session.run_python("raise KeyboardInterrupt")
        assert interrupted.exit_code is None and interrupted.signal == signal.SIGINT


def test_atexit_threads_and_unflushed_output_complete(pool):
    code = (
        "import atexit, sys, threading, time\n"
        "atexit.register(lambda: print('atexit ran'))\n"
        "threading.Thread(target=lambda: (time.sleep(0.2), print('thread done'))).start()\n"
        "sys.stdout.write('no newline')"
    )
    with pool.session() as session:
        result = session.run_python(code)
    assert result.stdout == "no newlinethread done\natexit ran\n"


def test_scratch_persists_within_a_session_only(pool):
    with pool.session() as first, pool.session() as second:
        assert first.workdir == "/workdir"
        assert first.run_python("open('notes.txt', 'w').write('kept')").ok
        assert first.run_shell("cat notes.txt; pwd").stdout == "kept/workdir\n"
        assert first.run_python("import helper_mod", timeout_s=5).exit_code == 1
        first.run_shell("echo 'VALUE = 42' > helper_mod.py")
        assert first.run_python("import helper_mod; print(helper_mod.VALUE)").stdout == "42\n"
        assert second.run_shell("ls -A /workdir; ls /tmp").stdout == ""


def test_closing_a_session_removes_its_scratch(pool):
    session = pool.session()
    session.run_shell("echo data > file")
    session.close()
    session.close()  # idempotent
    with pytest.raises(SandboxError):
        session.run_python("print(1)")
    with pool.session() as fresh:
        assert fresh.run_shell("ls -A").stdout == ""


def test_task_resources_are_read_only_at_their_targets(pool, mounts, task_dir):
    code = (
        "import sqlite3, pandas as pd\n"
        "db = sqlite3.connect('file:/data/ehr.db?mode=ro', uri=True)\n"
        "print(db.execute('select sum(age) from patients').fetchone()[0])\n"
        "print(pd.read_csv('/data/csv/labs.csv').value.mean())\n"
        "print(pd.read_sql('select count(*) as n from patients', db).n[0])\n"
        "try:\n    open('/data/csv/new.csv', 'w')\nexcept OSError as exc:\n    print(type(exc).__name__)"
    )
    with pool.session(mounts) as session:
        assert session.resolve("/data/csv") == "/data/csv"
        result = session.run_python(code)
    assert result.stdout == "100\n5.0\n2\nOSError\n", result.stderr
    assert sorted(p.name for p in (task_dir / "csv").iterdir()) == ["labs.csv"]


def test_bad_mounts_and_arguments_are_config_errors(pool, task_dir):
    with pytest.raises(ConfigError):
        pool.session([Mount(task_dir / "missing.db", "/data/x.db")])
    with pytest.raises(ConfigError):
        pool.session([Mount(task_dir / "csv", "/data"), Mount(task_dir / "ehr.db", "/data/ehr.db")])
    with pool.session() as session, pytest.raises(ConfigError):
        session.run_python("print(1)", timeout_s=0)
    with pool.session() as session, pytest.raises(ConfigError):
        session.resolve("/not/a/mount")


def test_shell_commands(pool):
    with pool.session() as session:
        result = session.run_shell(
            "echo out; echo err >&2; python -c 'import pandas; print(pandas.__name__)'; exit 5"
        )
    assert (result.stdout, result.stderr, result.exit_code) == ("out\npandas\n", "err\n", 5)


def test_clean_environment(pool, monkeypatch):
    with pool.session() as session:
        result = session.run_python("import os; print(sorted(os.environ))")
    names = eval(result.stdout)
    assert "HOME" in names and "PATH" in names
    assert not [n for n in names if "KEY" in n or "TOKEN" in n or n.startswith(("PYTEST", "MEDAGENTGYM"))]


def test_timeout_kills_the_whole_tree_and_keeps_output(pool):
    code = "import subprocess, time\nsubprocess.Popen(['sleep', '2997'])\nprint('before', flush=True)\ntime.sleep(300)"
    with pool.session() as session:
        result = session.run_python(code, timeout_s=1.0)
        assert result.timed_out and not result.ok
        assert result.exit_code is None and result.signal == signal.SIGKILL
        assert result.stdout == "before\n"
        assert session.run_python("print('next')").stdout == "next\n"
    survivors = [p for p in Path("/proc").glob("[0-9]*/cmdline") if _reads(p) == b"sleep\x002997\x00"]
    assert survivors == []


def _reads(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def test_output_is_capped_as_head_and_tail(pool):
    limits = Limits(max_output_bytes=1000)
    with pool.session(limits=limits) as session:
        result = session.run_python("for i in range(100000):\n    print(i)")
    assert result.truncated and result.ok
    assert result.stdout.startswith("0\n1\n2\n") and result.stdout.endswith("99998\n99999\n")
    assert "bytes of stdout omitted" in result.stdout and len(result.stdout) < 1200


def test_memory_limit_is_reported(pool):
    with pool.session(limits=Limits(memory_mb=256)) as session:
        result = session.run_python("x = bytearray(512 * 2**20)")
    assert result.exit_code == 1 and "MemoryError" in result.stderr


def test_stateful_session_keeps_variables_and_restarts_after_a_timeout(pool):
    with pool.session(stateful=True) as session:
        assert session.run_python("import pandas as pd\ncount = 1").ok
        assert session.run_python("count += 1\nprint(count)").stdout == "2\n"
        failed = session.run_python("undefined_name")
        assert failed.exit_code == 1 and "NameError" in failed.stderr
        assert session.run_python("print(count)").stdout == "2\n"  # errors keep the state
        assert session.run_shell("echo shell beside the kernel").stdout == "shell beside the kernel\n"
        hung = session.run_python("import time; time.sleep(60)", timeout_s=1.0)
        assert hung.timed_out and "fresh one" in hung.stderr
        after = session.run_python("print('count' in globals())")
        assert (
            after.state_lost
            and after.stdout == "False\n"
            and "variables from earlier runs are lost" in after.stderr
        )
        assert not session.run_python("print(1)").state_lost


def test_stateful_session_restarts_after_a_crash_and_kills_background_processes(pool):
    with pool.session(stateful=True) as session:
        session.run_python("import subprocess\nsubprocess.Popen(['sleep', '300'])\nvalue = 7")
        assert session.run_python(_COUNT_SLEEPS).stdout == "0\n"
        crashed = session.run_python("import os; os._exit(9)")
        assert crashed.exit_code == 9
        after = session.run_python("print('value' in globals())")
        assert after.state_lost and after.stdout == "False\n"


def test_async_runs_in_parallel_sessions(pool):
    async def episode(i: int) -> str:
        with pool.session() as session:
            await session.arun_shell(f"echo {i} > mine")
            result = await session.arun_python("print(open('mine').read().strip())")
            return result.stdout

    async def main() -> list[str]:
        return await asyncio.gather(*(episode(i) for i in range(6)))

    assert asyncio.run(main()) == [f"{i}\n" for i in range(6)]


def test_one_session_is_safe_to_share_between_threads(pool):
    results: list[str] = []
    with pool.session() as session:

        def work(i: int) -> None:
            results.append(session.run_python(f"print({i})").stdout)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(results) == sorted(f"{i}\n" for i in range(8))


def test_pool_info_reports_the_layers(pool):
    info = pool.info
    assert info["mode"] == "isolated" and info["privilege"] in ("root", "userns")
    assert info["seccomp"] is True and info["landlock_abi"] >= 1
