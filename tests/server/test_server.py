"""The HTTP environment server and its gymnasium client, over a real socket."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import uvicorn

from medagentgym.errors import ConfigError, EpisodeError, MedAgentGymError, TaskNotFoundError
from medagentgym.server.app import create_app
from medagentgym.server.client import RemoteEnv
from medagentgym.tasks.registry import get_task


@pytest.fixture(scope="module")
def server_url():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(
        uvicorn.Config(create_app(max_sessions=8), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def submit(answer) -> str:
    return json.dumps({"action": "submit_answer", "params": {"answer": answer}})


def test_full_episode_over_http(server_url):
    env = RemoteEnv(server_url, "demo", "test")
    messages, info = env.reset(options={"index": 4})
    assert messages[0]["role"] == "system" and info["task_id"] == "demo/test/s0/4"
    schema = env.step('{"action": "request_info", "params": {"info_type": "schema"}}')[0]
    assert "visits(" in schema[0]["content"]
    answer = get_task("demo/test/s0/4").questions[0].grader.to_spec()["reference"]
    _, reward, terminated, truncated, info = env.step(submit(answer))
    assert (reward, terminated, truncated) == (1.0, True, False)
    assert info["episode"]["success"] is True and info["episode"]["task_id"] == "demo/test/s0/4"
    env.close()


def test_malformed_actions_and_tool_calls(server_url):
    env = RemoteEnv(server_url, "demo", max_steps=3)
    env.reset(seed=0)
    observation, reward, *_ = env.step("gibberish")
    assert observation[0]["content"].startswith("Error:") and reward == 0
    call = {"id": "c", "function": {"name": "submit_answer", "arguments": '{"answer": 0}'}}
    observation = env.step({"role": "assistant", "tool_calls": [call]})[0]
    assert observation[0]["role"] == "tool" and observation[0]["tool_call_id"] == "c"
    env.close()


def test_errors_come_back_as_our_exceptions(server_url):
    with pytest.raises(TaskNotFoundError, match="unknown task family"):
        RemoteEnv(server_url, "nope").reset()
    with pytest.raises(ConfigError, match="unknown environment options"):
        RemoteEnv(server_url, "demo", sandbox="none").reset()
    with pytest.raises(EpisodeError):
        RemoteEnv(server_url, "demo").step("x")
    with pytest.raises(MedAgentGymError, match="cannot reach"):
        RemoteEnv("http://127.0.0.1:9", "demo", timeout_s=2).reset()


def test_ended_episodes_are_gone(server_url):
    env = RemoteEnv(server_url, "demo")
    env.reset(seed=0)
    episode_id = env.episode_id
    env.close_episode()
    env.episode_id = episode_id
    with pytest.raises(TaskNotFoundError, match="no episode"):
        env.step("x")


def test_session_limit(server_url):
    envs = [RemoteEnv(server_url, "demo") for _ in range(8)]
    try:
        for env in envs:
            env.reset(seed=0)
        with pytest.raises(ConfigError, match="maximum of 8"):
            RemoteEnv(server_url, "demo").reset()
    finally:
        for env in envs:
            env.close()
