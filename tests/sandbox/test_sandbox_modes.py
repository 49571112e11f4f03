"""Where the sandbox runs: as root, as an ordinary user, nowhere (refusal), and the unsafe opt-in."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import warnings
from pathlib import Path

import pytest

import medagentgym
from medagentgym.sandbox import SandboxPool, UnsafeSandboxWarning

SRC = str(Path(medagentgym.__file__).resolve().parent.parent)
NOBODY = 65534


def _run(script: str, prefix: list[str] = (), timeout: float = 240) -> subprocess.CompletedProcess[str]:
    command = [*prefix, sys.executable, "-c", textwrap.dedent(script)]
    env = dict(os.environ, PYTHONPATH=SRC)
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout, check=False)


def _as_nobody(home: Path) -> list[str]:
    """A command prefix that runs as uid 65534 in a private mount namespace.

    /root is mode 0700 on this kind of machine, so the namespace puts an empty /root in its place
    and exposes only the Python installation and the source tree, as if a user had installed
    them in their own home.
    """
    steps = ["b=$(mktemp -d)", 'mount --bind /root "$b"', "mount -t tmpfs -o mode=0755 tmpfs /root"]
    for path in sorted({p for p in (sys.base_prefix, sys.prefix, SRC) if p.startswith("/root/")}):
        inside = path.removeprefix("/root")
        steps += [f"mkdir -p {path}", f'mount --bind "$b{inside}" {path}']
    steps.append(
        f"exec setpriv --reuid={NOBODY} --regid={NOBODY} --clear-groups "
        f'env HOME={home} MEDAGENTGYM_HOME={home} PYTHONPATH={SRC} "$@"'
    )
    return ["unshare", "-m", "sh", "-c", "; ".join(steps), "sh"]


def test_user_namespace_path_works_as_root_too():
    with SandboxPool(workers=1, privilege="userns") as pool, pool.session() as session:
        assert pool.info["privilege"] == "userns" and pool.info["cgroups"] is False
        result = session.run_python("import os; print(os.getuid(), os.getpid())")
        assert result.stdout == "1000 1\n"
        assert session.run_python("open('/etc/x', 'w')").exit_code == 1


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to become another user"
)
def test_an_ordinary_user_gets_the_same_isolation():
    home = Path(tempfile.mkdtemp(prefix="medagentgym-nobody-"))
    os.chown(home, NOBODY, NOBODY)
    script = """
        import json, os
        from medagentgym.sandbox import SandboxPool, hacker
        names = {"tcp_to_host_loopback", "read_shadow_and_keys", "read_answers_in_data_home", "privileges",
                 "see_host_processes", "fork_bomb", "setsid_daemon", "new_user_namespace", "allocate_3_gb"}
        outcomes = hacker.run_suite(cases=tuple(c for c in hacker.CASES if c.name in names))
        with SandboxPool(workers=1) as pool:
            privilege = pool.info["privilege"]
        print(json.dumps({"uid": os.getuid(), "privilege": privilege, "outcomes": [o.to_dict() for o in outcomes]}))
    """
    try:
        result = _run(script, _as_nobody(home))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["uid"] == NOBODY and report["privilege"] == "userns"
    assert len(report["outcomes"]) == 9
    assert all(o["contained"] for o in report["outcomes"]), report["outcomes"]


def test_refuses_with_instructions_when_namespaces_are_blocked():
    """A seccomp filter that denies unshare() stands in for a locked-down container."""
    script = """
        import errno, pyseccomp as sc
        flt = sc.SyscallFilter(sc.ALLOW)
        flt.add_rule(sc.ERRNO(errno.EPERM), "unshare")
        flt.load()
        from medagentgym.errors import SandboxUnavailableError
        from medagentgym.sandbox import SandboxPool
        try:
            SandboxPool(workers=1)
        except SandboxUnavailableError as exc:
            print(exc)
        with SandboxPool(mode="unsafe", workers=1) as pool, pool.session() as session:
            print("unsafe ran:", session.run_python("print(6 * 7)").stdout.strip())
    """
    result = _run(script)
    assert result.returncode == 0, result.stderr
    assert "Operation not permitted" in result.stdout
    assert "sysctl -w user.max_user_namespaces" in result.stdout
    assert "mode='unsafe'" in result.stdout
    assert "unsafe ran: 42" in result.stdout


def test_unsafe_mode_warns_on_every_run_and_still_limits(task_dir):
    from medagentgym.sandbox import Mount

    with SandboxPool(mode="unsafe", workers=1) as pool:
        session = pool.session([Mount(task_dir / "csv", "/data/csv")])
        assert session.resolve("/data/csv") == str(task_dir / "csv")
        assert session.workdir != "/workdir" and Path(session.workdir).is_dir()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            first = session.run_python(f"print(open('{session.resolve('/data/csv')}/labs.csv').read()[:10])")
            second = session.run_shell("sleep 60 & echo started")
            hung = session.run_python("import time; time.sleep(60)", timeout_s=1.0)
        assert [w.category for w in caught] == [UnsafeSandboxWarning] * 3
        assert first.stdout == "subject_id\n" and "WITHOUT isolation" in first.stderr
        assert second.stdout == "started\n" and hung.timed_out
        scratch = session.workdir
        session.close()
        assert not Path(scratch).exists()


def test_a_regular_install_in_a_venv_under_tmp():
    """pip-installed (not editable) into a venv that lives under /tmp, as a CI checkout might be:
    site-packages stays importable and the package's own directory is masked. An installation
    the sandbox user could not read is refused up front, with the fix."""
    import sysconfig

    root = Path(tempfile.mkdtemp(prefix="medagentgym-venv-"))  # mode 0700
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = root / "lib" / version / "site-packages"
    script = f"""
        from medagentgym.errors import SandboxError
        from medagentgym.sandbox import SandboxPool
        try:
            with SandboxPool(workers=1) as pool, pool.session() as session:
                result = session.run_python("import statsmodels, os; print(os.listdir('{site}/medagentgym'))")
                print(result.stdout or result.stderr)
        except SandboxError as exc:
            print(exc)
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    try:
        subprocess.run(
            [str(Path(sys.base_prefix, "bin", version)), "-m", "venv", "--without-pip", str(root)], check=True
        )
        (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        shutil.copytree(
            Path(SRC, "medagentgym"), site / "medagentgym", ignore=shutil.ignore_patterns("__pycache__")
        )
        runs = []
        for mode in (0o700, 0o755):
            root.chmod(mode)
            command = [str(root / "bin" / "python"), "-c", textwrap.dedent(script)]
            runs.append(
                subprocess.run(command, capture_output=True, text=True, env=env, timeout=240, check=False)
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    refused, used = runs
    if os.geteuid() == 0:  # as an ordinary user the sandbox reads its owner's files
        assert f"chmod o+rX {root}" in refused.stdout, refused.stderr[-2000:]
    assert used.stdout.strip() == "[]", used.stderr[-2000:]
