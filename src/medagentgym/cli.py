"""The ``medagentgym`` command line.

Sub-commands live next to the code they drive (``sandbox/cli.py``, ``worlds/cli.py``, ...) and are
mounted here. Command modules import heavy libraries (torch, transformers) only inside the
commands that need them, so ``medagentgym --help`` stays instant.

Errors the user can cause print one line and exit with status 2; bugs still show a traceback.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from medagentgym.cli_options import JsonFlag
from medagentgym.errors import MedAgentGymError
from medagentgym.importers.cli import app as import_app
from medagentgym.runs.cli import eval_command, report_command
from medagentgym.sandbox.cli import app as sandbox_app
from medagentgym.train.cli import export_app, train_app, verify_app
from medagentgym.worlds.cli import app as data_app

app = typer.Typer(
    name="medagentgym",
    help="Train and evaluate LLM agents that solve biomedical problems by writing code.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
tasks_app = typer.Typer(help="Browse the task registry.", no_args_is_help=True)
app.add_typer(tasks_app, name="tasks")
app.add_typer(import_app, name="import")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(data_app, name="data")
app.command("eval")(eval_command)
app.command("report")(report_command)
app.add_typer(export_app, name="export")
app.add_typer(train_app, name="train")
app.add_typer(verify_app, name="verify")

console = Console()


def print_json(data: object) -> None:
    """Print JSON to stdout (plain, so that pipes and parsers get exactly the object)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@tasks_app.command("list")
def tasks_list(
    family: Annotated[str | None, typer.Option(help="Only this family.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List families, categories and the number of tasks per split."""
    from medagentgym.tasks.registry import all_families, get_family

    families = [get_family(family)] if family else all_families()
    rows = [
        {"family": f.name, "category": category, "split": split, "count": count}
        for f in families
        for split in f.split_sizes
        for category, count in f.category_counts(split).items()
    ]
    if as_json:
        print_json(rows)
        return
    table = Table(title="MedAgentGym tasks")
    for column in ("family", "split", "categories", "tasks", "description"):
        table.add_column(column)
    for f in families:
        for split in f.split_sizes:
            counts = f.category_counts(split)
            table.add_row(f.name, split, str(len(counts)), f"{sum(counts.values()):,}", f.title)
    console.print(table)


@tasks_app.command("show")
def tasks_show(
    task_id: Annotated[str, typer.Argument(help="A task id such as demo/test/s0/3.")],
    as_json: JsonFlag = False,
) -> None:
    """Show what the agent sees for one task (never the answer)."""
    from medagentgym.env.environment import make

    env = make(task_id, split=None)
    messages, info = env.reset(options={"task_id": task_id})
    if as_json:
        print_json({"info": {k: v for k, v in info.items() if k != "tools"}, "messages": messages})
        return
    for message in messages:
        console.rule(message["role"])
        console.print(message["content"], markup=False, highlight=False)


@app.command("validate")
def validate_command(
    family: Annotated[str, typer.Option(help="Family (or saved task-set directory) to validate.")],
    split: Annotated[str, typer.Option(help="Split to sample from.")] = "test",
    n: Annotated[int, typer.Option(help="Number of tasks, spread evenly over the split.")] = 100,
    seed: Annotated[int, typer.Option(help="Task seed.")] = 0,
    concurrency: Annotated[int, typer.Option(help="Episodes played at once.")] = 4,
    as_json: JsonFlag = False,
) -> None:
    """Play the oracle and the trivial strategies; report their success rates."""
    from rich.progress import Progress

    from medagentgym.agents.baselines import TRIVIAL_STRATEGIES
    from medagentgym.runs.validate import validate

    with Progress(console=Console(stderr=True), transient=True) as progress:
        bar = progress.add_task(f"validating {family}", total=None)
        result = validate(
            family,
            split=split,
            n=n,
            seed=seed,
            concurrency=concurrency,
            on_done=lambda k: progress.advance(bar, k),
        )
        progress.update(bar, total=result["n"] * (1 + len(TRIVIAL_STRATEGIES)))
    if as_json:
        print_json(result)
        return
    table = Table(title=f"validate {family}/{split} (n={result['n']})")
    table.add_column("agent")
    table.add_column("success", justify="right")
    table.add_row("oracle", f"{result['oracle']:.1%}")
    for strategy, rate in result["trivial"].items():
        table.add_row(f"trivial-{strategy}", f"{rate:.1%}")
    console.print(table)
    if result["oracle_failures"]:
        console.print(f"oracle failed on: {', '.join(result['oracle_failures'][:20])}")


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8080,
    max_sessions: Annotated[int, typer.Option(help="Episodes held at once.")] = 256,
    idle_timeout: Annotated[float, typer.Option(help="Seconds before an idle episode is closed.")] = 1800.0,
) -> None:
    """Serve environments over HTTP (see docs/server.md); clients use medagentgym.server.client.RemoteEnv."""
    import uvicorn

    from medagentgym.server.app import create_app

    uvicorn.run(create_app(max_sessions=max_sessions, idle_timeout_s=idle_timeout), host=host, port=port)


def main() -> None:
    """Console-script entry point: run the CLI, turning our errors into one-line messages."""
    try:
        app()
    except MedAgentGymError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)
    except KeyboardInterrupt:
        Console(stderr=True).print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
