"""``medagentgym eval`` and ``medagentgym report``.

Progress and notes go to stderr, so that ``--json`` leaves exactly one JSON object on stdout.
Heavy modules (torch, matplotlib, openai) are imported inside the commands.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from medagentgym.errors import ConfigError

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from medagentgym.trajectory import Episode

out_console = Console()
err_console = Console(stderr=True)

Opt = typer.Option
BACKEND = "Model backend"
RUN = "What to run"


class RichProgress:
    """A progress bar with the live success rate and the count of infrastructure errors."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self.successes = 0
        self.scored = 0
        self.infra = 0

    def __enter__(self) -> RichProgress:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("success [bold]{task.fields[rate]}"),
            TextColumn("infra errors {task.fields[infra]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
        )
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(None, None, None)

    def _fields(self) -> dict[str, Any]:
        rate = f"{self.successes / self.scored:.1%}" if self.scored else "–"
        return {"rate": rate, "infra": self.infra}

    def start(self, total: int, finished: Sequence[Episode]) -> None:
        self.successes = sum(e.success for e in finished)
        self.scored = len(finished)
        if finished:
            self.console.print(f"resuming: {len(finished)} of {total} episodes already done")
        assert self._progress is not None
        self._task = self._progress.add_task("eval", total=total, completed=len(finished), **self._fields())

    def episode_done(self, episode: Episode, final: bool) -> None:
        assert self._progress is not None and self._task is not None
        if episode.status == "infra_error":
            self.infra += 1
        else:
            self.scored += 1
            self.successes += episode.success
        self._progress.update(self._task, advance=1 if final else 0, **self._fields())


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _headers(values: Sequence[str]) -> dict[str, str]:
    headers = {}
    for value in values:
        key, sep, rest = value.partition(":") if ":" in value else value.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--header wants NAME: VALUE or NAME=VALUE, got {value!r}")
        headers[key.strip()] = rest.strip()
    return headers


def eval_command(
    model: Annotated[
        str,
        Opt(help="SPEC: openai:<model>, hf:<path or id>, local:default, agent:<name>.", rich_help_panel=RUN),
    ] = "local:default",
    families: Annotated[
        str,
        Opt(
            help="Comma-separated families, task ids or task-set directories; 'all' = every benchmark family.",
            rich_help_panel=RUN,
        ),
    ] = "all",
    split: Annotated[str, Opt(help="Split: train, test or ood.", rich_help_panel=RUN)] = "test",
    limit: Annotated[
        int | None,
        Opt(help="Tasks per family, spread over its categories (default: all).", rich_help_panel=RUN),
    ] = None,
    samples: Annotated[int, Opt(help="K samples (episodes) per task, for pass@k.", rich_help_panel=RUN)] = 1,
    temperature: Annotated[float, Opt(help="Sampling temperature (0 = greedy).", rich_help_panel=RUN)] = 0.0,
    top_p: Annotated[float | None, Opt(help="Nucleus sampling.", rich_help_panel=RUN)] = None,
    max_tokens: Annotated[
        int | None, Opt(help="Longest model answer per turn, in tokens.", rich_help_panel=RUN)
    ] = None,
    max_steps: Annotated[int, Opt(help="Step budget per episode.", rich_help_panel=RUN)] = 15,
    time_limit: Annotated[
        float, Opt(help="Wall-clock budget per episode, seconds.", rich_help_panel=RUN)
    ] = 600.0,
    protocol: Annotated[
        str, Opt(help="How the model acts: json (the paper's) or tools (tool calls).", rich_help_panel=RUN)
    ] = "json",
    feedback: Annotated[
        str, Opt(help="final: one graded answer; retry: told when wrong (the paper's).", rich_help_panel=RUN)
    ] = "final",
    seed: Annotated[int, Opt(help="Task seed.", rich_help_panel=RUN)] = 0,
    concurrency: Annotated[int, Opt(help="Episodes played at once.", rich_help_panel=RUN)] = 4,
    out: Annotated[
        Path | None,
        Opt(
            help="Run directory (rerun the same command to resume). Default: runs/<model>-<split>.",
            rich_help_panel=RUN,
        ),
    ] = None,
    label: Annotated[
        str | None, Opt(help="Name of this run in reports (default: the SPEC).", rich_help_panel=RUN)
    ] = None,
    infra_retries: Annotated[
        int, Opt(help="Replays of an episode that hit an infrastructure error.", rich_help_panel=RUN)
    ] = 2,
    max_context_chars: Annotated[
        int | None,
        Opt(help="Conversation budget; older observations are cut beyond it.", rich_help_panel=RUN),
    ] = None,
    base_url: Annotated[
        str | None,
        Opt(help="OpenAI-compatible API root, e.g. http://localhost:8000/v1.", rich_help_panel=BACKEND),
    ] = None,
    api_key_env: Annotated[
        str, Opt(help="Environment variable holding the API key.", rich_help_panel=BACKEND)
    ] = "OPENAI_API_KEY",
    header: Annotated[
        list[str] | None, Opt(help="Extra HTTP header NAME: VALUE (repeatable).", rich_help_panel=BACKEND)
    ] = None,
    request_timeout: Annotated[
        float, Opt(help="Seconds before a model request is retried.", rich_help_panel=BACKEND)
    ] = 120.0,
    max_retries: Annotated[
        int,
        Opt(
            help="Retries of a failed model request (backoff with jitter, Retry-After honoured).",
            rich_help_panel=BACKEND,
        ),
    ] = 6,
    retry_delay: Annotated[
        float,
        Opt(
            help="First backoff delay, seconds (doubles per retry, capped at 30 s).", rich_help_panel=BACKEND
        ),
    ] = 1.0,
    model_concurrency: Annotated[
        int, Opt(help="Model requests in flight at once.", rich_help_panel=BACKEND)
    ] = 8,
    price_input: Annotated[
        float | None,
        Opt(help="USD per million input tokens (overrides the price table).", rich_help_panel=BACKEND),
    ] = None,
    price_output: Annotated[
        float | None, Opt(help="USD per million output tokens.", rich_help_panel=BACKEND)
    ] = None,
    cache: Annotated[
        bool,
        Opt(
            help="Reuse answers to identical greedy requests from the on-disk cache.", rich_help_panel=BACKEND
        ),
    ] = False,
    device: Annotated[
        str, Opt(help="Local models: auto, cpu, cuda, cuda:1...", rich_help_panel=BACKEND)
    ] = "auto",
    dtype: Annotated[
        str, Opt(help="Local models: auto, float32, bfloat16, float16.", rich_help_panel=BACKEND)
    ] = "auto",
    max_new_tokens: Annotated[
        int, Opt(help="Local models: default answer length, tokens.", rich_help_panel=BACKEND)
    ] = 512,
    batch_size: Annotated[
        int, Opt(help="Local models: most sequences per generate call.", rich_help_panel=BACKEND)
    ] = 16,
    threads: Annotated[
        int | None,
        Opt(help="Local models on CPU: torch threads (default: the idle cores).", rich_help_panel=BACKEND),
    ] = None,
    as_json: Annotated[bool, Opt("--json", help="Print the summary as JSON on stdout.")] = False,
) -> None:
    """Evaluate a model (or a scripted agent) on task families; resumable, nothing lost."""
    import os

    from medagentgym.models.retry import RetryPolicy
    from medagentgym.models.spec import BackendOptions, build_agent, parse_spec
    from medagentgym.paths import subdir
    from medagentgym.runs.runner import EvalSettings, evaluate

    parse_spec(model)  # a bad SPEC fails before anything loads
    if protocol not in ("json", "tools") or feedback not in ("final", "retry"):
        raise ConfigError("--protocol is json or tools; --feedback is final or retry")
    settings = EvalSettings(
        model=model,
        families=_split(families),
        split=split,
        limit=limit,
        samples=samples,
        seed=seed,
        concurrency=concurrency,
        max_steps=max_steps,
        time_limit_s=time_limit,
        feedback=feedback,  # type: ignore[arg-type]
        protocol=protocol,  # type: ignore[arg-type]
        temperature=temperature,
        top_p=top_p,
        max_tokens=max_tokens,
        infra_retries=infra_retries,
    )
    options = BackendOptions(
        base_url=base_url,
        api_key=os.environ.get(api_key_env),
        headers=_headers(header or []),
        concurrency=model_concurrency,
        timeout_s=request_timeout,
        retry=RetryPolicy(max_retries=max_retries, initial_delay_s=retry_delay),
        price_input=price_input,
        price_output=price_output,
        cache_dir=subdir("cache", "responses") if cache else None,
        device=device,
        dtype=dtype,
        max_new_tokens=max_new_tokens,
        max_batch_size=batch_size,
        threads=threads,
    )
    out = out or Path("runs") / f"{model.replace(':', '-').replace('/', '_')}-{split}"
    agent = build_agent(
        model,
        options,
        protocol=settings.protocol,
        temperature=temperature,
        top_p=top_p,
        max_tokens=max_tokens,
        max_context_chars=max_context_chars,
    )
    with RichProgress(err_console) as progress:
        summary = evaluate(settings, agent, out, label=label, argv=sys.argv, sink=progress)
    if as_json:
        from medagentgym.cli import print_json

        print_json(summary)
    else:
        _print_summary(summary, model)
    _note_infra_errors(out, summary)
    err_console.print(f"results: {out}  (report: medagentgym report {out})")


def _print_summary(summary: dict[str, Any], model: str) -> None:
    table = Table(title=f"{model}: {summary['episodes']} episodes")
    for column in ("family", "episodes", "success", "95% CI"):
        table.add_column(column, justify="left" if column == "family" else "right")
    for family, stats in summary["by_family"].items():
        low, high = stats["ci95"]
        table.add_row(family, str(stats["n"]), f"{stats['success_rate']:.1%}", f"{low:.1%}–{high:.1%}")
    table.add_row(
        "[bold]all",
        str(summary["episodes"] - summary["infra_errors"]),
        f"[bold]{summary['success_rate']:.1%}",
        "",
    )
    out_console.print(table)
    passes = [f"pass@{k} {v:.1%}" for k, v in summary["pass_at_k"].items()]
    out_console.print("; ".join([*passes, f"infrastructure errors: {summary['infra_errors']}"]))


def _note_infra_errors(out: Path, summary: dict[str, Any]) -> None:
    if not summary["infra_errors"]:
        return
    from medagentgym.runs.store import RunStore

    errors = [e.error for e in RunStore(out).final().values() if e.status == "infra_error" and e.error]
    if errors:
        err_console.print(
            f"[yellow]{summary['infra_errors']} episodes ended in infrastructure errors (not counted as model "
            f"failures; rerun to retry them). First: {errors[0]}",
            highlight=False,
        )


def report_command(
    runs: Annotated[list[Path], typer.Argument(help="Run directories written by medagentgym eval.")],
    out: Annotated[
        Path | None,
        Opt(help="The HTML report; the CSV, JSON and PNG files go beside it. Default: RUN/report.html."),
    ] = None,
    as_json: Annotated[bool, Opt("--json", help="Print the leaderboard as JSON on stdout.")] = False,
) -> None:
    """Leaderboard, CSV/JSON tables, plots and an HTML trajectory viewer for one or more runs."""
    from medagentgym.runs.report import leaderboard, load_runs, write_report

    results = load_runs(runs)
    paths = write_report(results, out or runs[0] / "report.html")
    board = leaderboard(results)
    if as_json:
        from medagentgym.cli import print_json

        print_json(board)
    else:
        _print_leaderboard(board)
    err_console.print(f"report: {paths['html']}  (tables and plots beside it)")


def _print_leaderboard(board: Sequence[dict[str, Any]]) -> None:
    table = Table(title="Leaderboard", caption="n: scored episodes; infra: infrastructure errors")
    table.add_column(
        "run", overflow="fold", min_width=min(32, max((len(r["run"]) for r in board), default=3))
    )
    for column in ("n", "success", "95% CI", "pass@1", "infra", "steps", "cost $"):
        table.add_column(column, justify="right")
    for row in board:
        table.add_row(
            row["run"],
            str(row["episodes"]),
            f"{row['success_rate']:.1%}",
            f"{row['ci95_low']:.0%}–{row['ci95_high']:.0%}",
            "–" if row.get("pass@1") is None else f"{row['pass@1']:.1%}",
            str(row["infra_errors"]),
            f"{row['mean_steps']:.1f}",
            f"{row['total_cost_usd']:.4f}",
        )
    out_console.print(table)
    families = sorted({k.removeprefix("success:") for row in board for k in row if k.startswith("success:")})
    by_family = Table(title="Success by family")
    by_family.add_column("family")
    for row in board:
        by_family.add_column(row["run"], justify="right", overflow="fold")
    for family in families:
        cells = [row.get(f"success:{family}") for row in board]
        by_family.add_row(family, *["–" if c is None else f"{c:.1%}" for c in cells])
    out_console.print(by_family)
