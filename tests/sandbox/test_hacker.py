"""Every attack of the hacker suite is contained, and the executor keeps serving after each."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from medagentgym.sandbox import SandboxPool, hacker


@pytest.fixture(scope="module")
def target() -> Iterator[hacker.Range]:
    with hacker.planted_secret() as token, SandboxPool(workers=2) as pool:
        rng = hacker.Range(pool, token)
        yield rng
        rng.close()


def test_the_suite_covers_the_issue():
    names = {case.name for case in hacker.CASES}
    assert len(names) == len(hacker.CASES) >= 30
    wanted = {
        "tcp_to_host_loopback", "tcp_to_internet", "udp_to_host_loopback", "udp_to_internet", "dns_resolution",
        "write_outside_scratch", "read_shadow_and_keys", "read_home_directories", "read_package_data",
        "read_answers_in_data_home", "read_other_episode_scratch", "see_host_processes", "signal_host_processes",
        "ptrace_and_process_memory", "mount_filesystems", "new_user_namespace", "fork_bomb", "allocate_50_gb",
        "allocate_3_gb", "fill_the_disk", "stdout_100_mb", "infinite_loop", "sleep_forever", "background_process",
        "setsid_daemon", "orphaned_process", "code_5_mb", "binary_and_invalid_utf8_output",
        "close_stdout_and_status_fds", "system_exit", "keyboard_interrupt",
    }  # fmt: skip
    assert wanted <= names


@pytest.mark.parametrize("case", hacker.CASES, ids=lambda case: case.name)
def test_attack_is_contained(target, case):
    outcome = hacker.run_case(target, case)
    assert outcome.contained, outcome.detail
