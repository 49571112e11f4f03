"""Which privilege the isolated mode can use here, and what to tell the user when none works."""

from __future__ import annotations

import os
from collections.abc import Sequence

from medagentgym.errors import ConfigError

PRIVILEGES = ("auto", "root", "userns")
_SYSCTLS = (
    ("kernel.unprivileged_userns_clone", "1", "Debian and older Ubuntu"),
    ("user.max_user_namespaces", "15000", "every distribution; 0 disables user namespaces"),
    ("kernel.apparmor_restrict_unprivileged_userns", "0", "Ubuntu 23.10 and later"),
)


def candidates(requested: str) -> list[str]:
    """The privileges to try, best first: root (real uids and cgroups) before user namespaces."""
    if requested not in PRIVILEGES:
        raise ConfigError(f"privilege must be one of {', '.join(PRIVILEGES)}, got {requested!r}")
    if requested != "auto":
        return [requested]
    return ["root", "userns"] if os.geteuid() == 0 else ["userns"]


def _sysctl(name: str) -> str | None:
    try:
        with open("/proc/sys/" + name.replace(".", "/")) as handle:
            return handle.read().strip()
    except OSError:
        return None


def unavailable_message(failures: Sequence[str]) -> str:
    """Explain why isolation failed and how to enable it (or to opt out explicitly)."""
    settings = []
    for name, wanted, where in _SYSCTLS:
        current = _sysctl(name)
        if current is not None:
            settings.append(f"sudo sysctl -w {name}={wanted}   (now {current}; {where})")
    lines = [
        "the isolated sandbox needs Linux namespaces, and this machine refused them ("
        + "; ".join(failures)
        + ").",
        "To run agent code isolated as an ordinary user, allow unprivileged user namespaces:",
        *(f"  {s}" for s in settings or ["enable user namespaces in your kernel (CONFIG_USER_NS)"]),
        "In a container, run as root with --cap-add SYS_ADMIN --security-opt seccomp=unconfined "
        "(or --privileged).",
        "Or accept running agent code WITHOUT isolation: SandboxPool(mode='unsafe') or "
        "MEDAGENTGYM_SANDBOX=unsafe (every run then prints a warning).",
    ]
    return "\n".join(lines)
