"""The gymnasium environment on the demo family (actions that need no sandbox)."""

from __future__ import annotations

import asyncio
import json

import gymnasium as gym
import pytest

import medagentgym
from medagentgym.errors import ConfigError, EpisodeError
from medagentgym.models.base import ModelResponse, Usage
from medagentgym.tasks.graders import IntegerGrader, StringGrader
from medagentgym.tasks.model import Question, Task
from medagentgym.tasks.taskset import ListTaskSet


def submit(answer) -> str:
    return json.dumps({"action": "submit_answer", "params": {"answer": answer}})


def reference(env) -> object:
    spec = env.task.questions[0].grader.to_spec()
    return spec["reference"]


@pytest.fixture
def env():
    environment = medagentgym.make("demo", split="test")
    yield environment
    environment.close()


def test_is_a_gymnasium_env(env):
    assert isinstance(env, gym.Env)
    observation, _ = env.reset(seed=0)
    assert env.observation_space.contains(observation)
    assert env.action_space.contains(env.action_space.sample())


def test_reset_gives_system_prompt_task_and_tools(env):
    messages, info = env.reset(seed=3)
    assert [m["role"] for m in messages] == ["system", "user"]
    assert '{"action"' in messages[0]["content"]
    assert "/data/clinic.db" in messages[0]["content"]
    assert "Answer format:" in messages[1]["content"]
    assert info["task_id"].startswith("demo/test/s0/")
    names = [t["function"]["name"] for t in info["tools"]]
    assert names == ["request_info", "execute_code", "terminal", "submit_answer"]  # debug is off


def test_reset_is_deterministic_in_seed(env):
    first = env.reset(seed=7)[1]["task_id"]
    assert env.reset(seed=7)[1]["task_id"] == first
    assert env.reset(options={"task_id": first})[1]["task_id"] == first
    assert env.reset(options={"index": 2})[1]["task_id"] == "demo/test/s0/2"


def test_the_grader_never_appears_in_messages(env):
    for index in range(8):
        messages, _ = env.reset(options={"index": index})
        text = json.dumps(messages)
        assert "grader" not in text and "SELECT" not in text


def test_correct_submission_ends_with_reward_one(env):
    env.reset(options={"index": 0})
    observation, reward, terminated, truncated, info = env.step(submit(reference(env)))
    assert (reward, terminated, truncated) == (1.0, True, False)
    episode = info["episode"]
    assert episode.success and episode.score == 1.0 and episode.termination == "submitted"
    assert observation == [{"role": "user", "content": "Answer recorded."}]


def test_wrong_submission_is_final_by_default(env):
    env.reset(options={"index": 0})
    _, reward, terminated, _, info = env.step(submit(-12345))
    assert reward == 0 and terminated and not info["episode"].success


def test_retry_feedback_allows_another_try():
    env = medagentgym.make("demo", feedback="retry")
    env.reset(options={"index": 0})
    observation, reward, terminated, _, _ = env.step(submit(-12345))
    assert not terminated and reward == 0 and "Incorrect" in observation[0]["content"]
    _, reward, terminated, _, info = env.step(submit(reference(env)))
    assert terminated and reward == 1.0 and info["episode"].score == 1.0


def test_unreadable_submission_is_not_final(env):
    env.reset(options={"index": 0})  # a count question
    observation, reward, terminated, _, info = env.step(submit("about twelve"))
    assert not terminated and reward == 0
    assert "Could not read the answer" in observation[0]["content"]
    assert info["verdict"]["parsed"] is False


def test_malformed_output_costs_a_step_and_never_raises(env):
    env.reset(seed=0)
    for bad in ("", "no json here", "x" * 1_000_000, '{"action": "fly"}', 12345, {"weird": "dict"}):
        observation, reward, terminated, _, info = env.step(bad)
        assert reward == 0 and not terminated
        assert observation[0]["content"].startswith("Error:")
        assert info["errors"]
    assert len(env.episode.steps) == 6
    assert env.episode.steps[2].raw == "x" * 1_000_000  # kept verbatim, never lost


def test_step_budget_truncates():
    env = medagentgym.make("demo", max_steps=3)
    env.reset(seed=0)
    results = [env.step("nonsense") for _ in range(3)]
    assert [r[3] for r in results] == [False, False, True]
    assert results[-1][4]["episode"].termination == "step_budget"
    with pytest.raises(EpisodeError):
        env.step(submit(1))


def test_time_budget_truncates():
    env = medagentgym.make("demo", time_limit_s=0.001)
    env.reset(seed=0)
    import time

    time.sleep(0.01)
    _, _, terminated, truncated, info = env.step("nonsense")
    assert truncated and not terminated and info["episode"].termination == "time_budget"


def test_step_before_reset_raises():
    with pytest.raises(EpisodeError):
        medagentgym.make("demo").step(submit(1))


def test_request_info_actions(env):
    env.reset(seed=0)
    schema = env.step('{"action": "request_info", "params": {"info_type": "schema"}}')[0][0]["content"]
    assert "visits(" in schema and "heart_rate" in schema
    values = env.step(
        '{"action": "request_info", "params": {"info_type": "column_values", "table": "visits", "column": "diagnosis"}}'
    )[0][0]["content"]
    assert "asthma" in values
    found = env.step('{"action": "request_info", "params": {"info_type": "term", "term": "pneumonya"}}')[0][0]
    assert "'pneumonia' in visits.diagnosis" in found["content"]
    bad = env.step('{"action": "request_info", "params": {"info_type": "schema", "table": "nope"}}')[0][0]
    assert "No table named 'nope'" in bad["content"]
    missing = env.step('{"action": "request_info", "params": {"info_type": "column_values"}}')[0][0]
    assert missing["content"].startswith("Error:")


def test_tool_call_episode(env):
    env.reset(options={"index": 0})
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "submit_answer", "arguments": json.dumps({"answer": reference(env)})},
    }
    observation, reward, terminated, _, _ = env.step(
        {"role": "assistant", "content": None, "tool_calls": [call]}
    )
    assert observation == [{"role": "tool", "tool_call_id": "c1", "content": "Answer recorded."}]
    assert reward == 1 and terminated
    assert env.messages[-2]["tool_calls"][0]["id"] == "c1"


def test_tool_calls_after_the_final_submission_are_not_executed(env):
    env.reset(options={"index": 0})
    calls = [
        {
            "id": "a",
            "function": {
                "name": "submit_answer",
                "arguments": json.dumps({"answer": reference(env)}),
            },
        },
        {"id": "b", "function": {"name": "submit_answer", "arguments": '{"answer": 0}'}},
    ]
    observation, reward, *_ = env.step({"role": "assistant", "tool_calls": calls})
    assert reward == 1
    assert observation[1]["content"].startswith("Not executed")


def test_model_response_tokens_are_recorded(env):
    env.reset(options={"index": 0})
    response = ModelResponse(
        content=submit(reference(env)),
        usage=Usage(10, 5, 0.001),
        prompt_token_ids=(1, 2, 3),
        completion_token_ids=(4, 5),
        logprobs=(-0.1, -0.2),
    )
    env.step(response)
    model = env.episode.steps[0].model
    assert model["completion_token_ids"] == [4, 5] and model["logprobs"] == [-0.1, -0.2]
    assert model["loss_mask"] == [1, 1] and model["prompt_tokens"] == 10


def _two_question_task() -> Task:
    return Task(
        id="handmade/test/s0/0",
        family="handmade",
        category="seq",
        split="test",
        questions=(
            Question("How many legs has a spider?", IntegerGrader(8)),
            Question("And how many has the insect from the previous answer's half?", StringGrader("four")),
        ),
        actions=("submit_answer",),
    )


def test_multi_question_episode_rewards_sum_to_score():
    env = medagentgym.MedAgentEnv(ListTaskSet([_two_question_task()]))
    messages, info = env.reset()
    assert info["num_questions"] == 2 and "Question 1 of 2" in messages[1]["content"]
    observation, reward, terminated, _, info = env.step(submit(8))
    assert reward == 0.5 and not terminated and "Question 2 of 2" in observation[0]["content"]
    _, reward, terminated, _, info = env.step(submit("three"))
    assert reward == 0 and terminated
    episode = info["episode"]
    assert episode.score == 0.5 and not episode.success and len(episode.verdicts) == 2


def test_actions_a_task_does_not_allow_are_refused():
    env = medagentgym.MedAgentEnv(ListTaskSet([_two_question_task()]))
    _, info = env.reset()
    assert info["actions"] == ["submit_answer"]
    observation = env.step('{"action": "execute_code", "params": {"code": "print(1)"}}')[0]
    assert "not available in this task" in observation[0]["content"]


def test_async_interface_drives_many_episodes_at_once():
    async def play(index: int) -> float:
        env = medagentgym.make("demo")
        await env.areset(options={"index": index})
        await env.astep("nonsense")
        *_, info = await env.astep(submit(reference(env)))
        return info["episode"].score

    async def main() -> list[float]:
        return await asyncio.gather(*(play(i) for i in range(20)))

    assert asyncio.run(main()) == [1.0] * 20


@pytest.mark.parametrize(
    "options",
    [
        {"max_steps": 0},
        {"feedback": "maybe"},
        {"protocol": "xml"},
        {"time_limit_s": -1},
        {"render_mode": "human"},
    ],
)
def test_bad_options_are_config_errors(options):
    with pytest.raises(ConfigError):
        medagentgym.make("demo", **options)


def test_bad_reset_options(env):
    with pytest.raises(ConfigError):
        env.reset(options={"index": 10_000})
    with pytest.raises(ConfigError):
        env.reset(options={"bogus": 1})


def test_make_by_task_id_and_unknown_names():
    env = medagentgym.make("demo/test/s0/5")
    assert env.reset()[1]["task_id"] == "demo/test/s0/5"
    with pytest.raises(medagentgym.MedAgentGymError, match="unknown task family"):
        medagentgym.make("nope")


def test_render_ansi():
    env = medagentgym.make("demo", render_mode="ansi")
    env.reset(seed=0)
    assert "[system]" in env.render()


def test_gymnasium_make_with_the_registered_id():
    env = gym.make("medagentgym.env:MedAgentGym-v0", name="demo", split="test")
    _, info = env.reset(seed=1)
    answer = env.unwrapped.task.questions[0].grader.to_spec()["reference"]
    _, reward, terminated, _, _ = env.step(submit(answer))
    assert info["task_id"].startswith("demo/test/") and reward == 1.0 and terminated


def _debug_model(fail: bool = False):
    from medagentgym.errors import ModelError
    from medagentgym.models.base import ChatModel

    class Explainer(ChatModel):
        name = "explainer"

        async def acomplete(self, messages, *, tools=None, **sampling):
            if fail:
                raise ModelError("server down")
            assert "ZeroDivisionError" in messages[-1]["content"]
            return ModelResponse(content="You divided by zero; check the denominator.")

    return Explainer()


def test_debug_action_asks_the_configured_model():
    env = medagentgym.make("demo", debug_model=_debug_model())
    _, info = env.reset(seed=0)
    assert "debug" in info["actions"]
    action = {"action": "debug", "params": {"code": "1/0", "error": "ZeroDivisionError: division by zero"}}
    observation = env.step(json.dumps(action))[0]
    assert "divided by zero" in observation[0]["content"]
    assert env.episode.env["debug"]["name"] == "explainer"


def test_debug_model_failure_is_an_observation():
    env = medagentgym.make("demo", debug_model=_debug_model(fail=True))
    env.reset(seed=0)
    action = {"action": "debug", "params": {"code": "1/0", "error": "ZeroDivisionError"}}
    observation = env.step(json.dumps(action))[0]
    assert "unavailable: server down" in observation[0]["content"]


def test_async_debug_action():
    env = medagentgym.make("demo", debug_model=_debug_model())

    async def main():
        await env.areset(seed=0)
        action = {"action": "debug", "params": {"code": "1/0", "error": "ZeroDivisionError"}}
        return (await env.astep(json.dumps(action)))[0]

    assert "divided by zero" in asyncio.run(main())[0]["content"]
