"""The trajectory schema and its JSONL / Parquet storage."""

from __future__ import annotations

import json

import pytest

import medagentgym
from medagentgym.errors import DataError
from medagentgym.trajectory import (
    Episode,
    EpisodeWriter,
    read_episodes,
    read_parquet,
    write_parquet,
)


def played_episode(index: int) -> Episode:
    env = medagentgym.make("demo")
    env.reset(options={"index": index})
    env.step("not an action")
    answer = env.task.questions[0].grader.to_spec()["reference"]
    *_, info = env.step(json.dumps({"action": "submit_answer", "params": {"answer": answer}}))
    episode = info["episode"]
    episode.extra["note"] = "ünïcode ✓"
    return episode


def test_episode_record_contents():
    episode = played_episode(1)
    assert episode.task_id == "demo/test/s0/1" and episode.family == "demo" and episode.split == "test"
    assert episode.num_steps == 2 and episode.success
    first, second = episode.steps
    assert first.raw == "not an action" and first.error and first.actions[0]["name"] is None
    assert second.actions[0]["name"] == "submit_answer" and second.reward == 1.0
    assert second.verdict["correct"] is True
    assert episode.env["max_steps"] == 15 and episode.messages[0]["role"] == "system"
    assert set(first.timings) >= {"env_s", "exec_s"}


def test_jsonl_round_trip(tmp_path):
    episodes = [played_episode(i) for i in range(3)]
    path = tmp_path / "episodes.jsonl"
    with EpisodeWriter(path) as writer:
        for episode in episodes:
            writer.write(episode)
    assert list(read_episodes(path)) == episodes


def test_parquet_round_trip(tmp_path):
    episodes = [played_episode(i) for i in range(3)]
    path = write_parquet(episodes, tmp_path / "episodes.parquet")
    assert read_parquet(path) == episodes


def test_a_killed_writer_loses_only_the_partial_line(tmp_path):
    path = tmp_path / "episodes.jsonl"
    first, second = played_episode(0), played_episode(1)
    with EpisodeWriter(path) as writer:
        writer.write(first)
    with path.open("a") as handle:  # what kill -9 in the middle of a write leaves behind
        handle.write(json.dumps(second.to_dict())[:100])
    assert list(read_episodes(path)) == [first]
    with EpisodeWriter(path) as writer:  # appending again repairs the tail first
        writer.write(second)
    assert list(read_episodes(path)) == [first, second]


def test_corruption_in_the_middle_is_reported(tmp_path):
    path = tmp_path / "episodes.jsonl"
    path.write_text("{broken\n" + json.dumps(played_episode(0).to_dict()) + "\n")
    with pytest.raises(DataError, match="corrupt episode record"):
        list(read_episodes(path))


def test_newer_schema_is_refused():
    data = played_episode(0).to_dict()
    data["schema_version"] = 999
    with pytest.raises(DataError, match="newer"):
        Episode.from_dict(data)


def test_missing_file_reads_as_empty(tmp_path):
    assert list(read_episodes(tmp_path / "none.jsonl")) == []
