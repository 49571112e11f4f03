"""The sandbox benchmark: our isolated pool against a fresh interpreter and the original design.

Every design runs the same snippets in the same process, interleaved run by run, so machine
noise (other jobs on the same cores) hits all of them alike; compare ratios, not absolute times.
Latency is measured the way an agent uses the sandbox: one session, one run at a time, with a
short pause between runs standing in for the model's turn (the time the pool uses to recycle
the previous sandbox). Throughput is measured back to back with two concurrent workers.
Every run's output is checked.
"""

from __future__ import annotations

import contextlib
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from medagentgym.errors import SandboxError
from medagentgym.sandbox import proctree
from medagentgym.sandbox.pool import SandboxPool, SandboxSession

SNIPPETS = {
    "trivial": ("print(1+1)", "2\n"),
    "pandas": (
        "import pandas as pd, numpy as np\ndf = pd.DataFrame({'a': np.arange(1000)})\nprint(df.a.mean())",
        "499.5\n",
    ),
}
DESIGNS = ("ours", "fresh_process", "original")
THINK_S = 0.02  # pause between an agent's runs in the latency measurement
WORKERS = 2


@dataclass(frozen=True)
class Repeats:
    """How many measured runs each design gets, per snippet (the original costs a second each)."""

    latency: dict[str, dict[str, int]]
    throughput: dict[str, dict[str, int]]  # runs per worker
    warmup: int = 3  # unmeasured runs first (the original, at a second each, gets at most one)


FULL = Repeats(
    latency={
        "ours": {"trivial": 200, "pandas": 200},
        "fresh_process": {"trivial": 40, "pandas": 20},
        "original": {"trivial": 5, "pandas": 5},
    },
    throughput={
        "ours": {"trivial": 200, "pandas": 200},
        "fresh_process": {"trivial": 30, "pandas": 8},
        "original": {"trivial": 3, "pandas": 3},
    },
)
QUICK = Repeats(
    latency={
        "ours": {"trivial": 60, "pandas": 60},
        "fresh_process": {"trivial": 10, "pandas": 4},
        "original": {"trivial": 2, "pandas": 2},
    },
    throughput={
        "ours": {"trivial": 60, "pandas": 60},
        "fresh_process": {"trivial": 8, "pandas": 2},
        "original": {"trivial": 2, "pandas": 2},
    },
    warmup=2,
)


class Runner(Protocol):
    def run(self, code: str) -> str: ...

    def close(self) -> None: ...


class Ours:
    """One session of our isolated pool."""

    def __init__(self, pool: SandboxPool) -> None:
        self.session: SandboxSession = pool.session()

    def run(self, code: str) -> str:
        return self.session.run_python(code).stdout

    def close(self) -> None:
        self.session.close()


class FreshProcess:
    """A new ``python -c`` per run: what most harnesses do."""

    def run(self, code: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
        ).stdout

    def close(self) -> None:
        pass


class Original:
    """The original's ``_run_code_file``: a code file, ``Popen(shell=True)``, polling every second."""

    def __init__(self) -> None:
        self.cache = Path(tempfile.mkdtemp(prefix="medagentgym-bench-"))

    def run(self, code: str) -> str:
        path = self.cache / f"validation_code_{time.time_ns()}_{uuid.uuid4().hex}.py"
        path.write_text(code)
        process = subprocess.Popen(
            f"{shlex.quote(sys.executable)} {shlex.quote(str(path))}",
            shell=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started = time.time()
        while process.poll() is None:
            if time.time() - started > 120:
                process.kill()
                break
            time.sleep(1)
        stdout, _ = process.communicate()
        path.unlink()
        return stdout

    def close(self) -> None:
        for leftover in self.cache.iterdir():
            leftover.unlink()
        self.cache.rmdir()


def _timed(runner: Runner, code: str, expected: str) -> float:
    started = time.perf_counter()
    out = runner.run(code)
    elapsed = time.perf_counter() - started
    if out != expected:
        raise SandboxError(f"benchmark run printed {out!r}, expected {expected!r}")
    return elapsed


def _latencies(
    makers: dict[str, Callable[[], Runner]], repeats: Repeats
) -> dict[str, dict[str, list[float]]]:
    """Interleaved, one run at a time: design after design, round after round."""
    samples: dict[str, dict[str, list[float]]] = {d: {s: [] for s in SNIPPETS} for d in makers}
    runners = {design: make() for design, make in makers.items()}
    try:
        for snippet, (code, expected) in SNIPPETS.items():
            for design, runner in runners.items():
                for _ in range(min(repeats.warmup, 1) if design == "original" else repeats.warmup):
                    _timed(runner, code, expected)
            rounds = max(repeats.latency[d][snippet] for d in runners)
            for i in range(rounds):
                for design, runner in runners.items():
                    if i < repeats.latency[design][snippet]:
                        samples[design][snippet].append(_timed(runner, code, expected))
                        time.sleep(THINK_S)
    finally:
        for runner in runners.values():
            runner.close()
    return samples


def _throughput(make: Callable[[], Runner], code: str, expected: str, per_worker: int, warm: bool) -> float:
    """Runs per second with ``WORKERS`` threads, each with its own runner, back to back."""
    runners = [make() for _ in range(WORKERS)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(WORKERS + 1)

    def work(runner: Runner) -> None:
        try:
            if warm:
                _timed(runner, code, expected)
            barrier.wait()
            for _ in range(per_worker):
                _timed(runner, code, expected)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(r,)) for r in runners]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):  # a worker failed: reported below
        barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for runner in runners:
        runner.close()
    if errors:
        raise errors[0]
    return WORKERS * per_worker / elapsed


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def pool_memory_mb(pool: SandboxPool) -> float:
    """Memory of the pool's processes (launcher, fork server, workers, sandboxes), as PSS."""
    root = pool._server.process.pid
    return proctree.pss_mb({root} | proctree.descendants(root))


def measure(*, quick: bool = False, repeats: Repeats | None = None) -> dict[str, Any]:
    """Run the benchmark and return the JSON-ready report."""
    repeats = repeats or (QUICK if quick else FULL)
    with SandboxPool(workers=WORKERS) as pool:
        idle_mb = pool_memory_mb(pool)
        makers: dict[str, Callable[[], Runner]] = {
            "ours": lambda: Ours(pool),
            "fresh_process": FreshProcess,
            "original": Original,
        }
        samples = _latencies(makers, repeats)
        report: dict[str, Any] = {}
        for snippet, (code, expected) in SNIPPETS.items():
            report[snippet] = {}
            for design, make in makers.items():
                values = samples[design][snippet]
                report[snippet][design] = {
                    "median_ms": round(statistics.median(values) * 1000, 2),
                    "p95_ms": round(_p95(values) * 1000, 2),
                    "throughput_per_s": round(
                        _throughput(
                            make, code, expected, repeats.throughput[design][snippet], repeats.warmup > 0
                        ),
                        1,
                    ),
                }
            report[snippet]["ours"]["idle_pool_mb"] = round(idle_mb, 1)
    return report
