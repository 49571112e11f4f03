"""``medagentgym data``: build (or find cached) synthetic EHR worlds."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from medagentgym.errors import MedAgentGymError

if TYPE_CHECKING:
    from medagentgym.worlds.build import World

app = typer.Typer(
    help="Synthetic EHR worlds with the MIMIC-III, eICU and TREQS schemas.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main() -> None:
    """Synthetic EHR worlds with the MIMIC-III, eICU and TREQS schemas."""


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def _summary(world: World) -> dict:
    return {
        "name": world.name,
        "path": str(world.root),
        "db_path": str(world.db_path),
        "csv_dir": str(world.csv_dir),
        "seed": world.seed,
        "n_patients": world.n_patients,
        "tables": world.tables,
        "seconds": world.seconds,
    }


@app.command()
def build(
    world: Annotated[
        list[str] | None,
        typer.Option("--world", help="World to build (repeatable): mimic_iii, eicu or treqs; default all."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    patients: Annotated[int | None, typer.Option(help="Number of patients (default 1,000).")] = None,
    force: Annotated[bool, typer.Option(help="Rebuild even if the world is cached.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Build the worlds (or find them cached) and list their tables."""
    from medagentgym.worlds.build import build_world
    from medagentgym.worlds.registry import SPECS, WORLD_NAMES

    names = list(dict.fromkeys(world or WORLD_NAMES))
    unknown = [n for n in names if n not in WORLD_NAMES]
    if unknown:
        raise _fail(f"unknown world {unknown[0]!r}; choose from {', '.join(WORLD_NAMES)}")
    built: list[World] = []
    console = Console(stderr=True)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        for name in names:
            task = progress.add_task(f"{name}: checking the cache", total=None)

            def stage(message: str, task: int = task, name: str = name) -> None:
                progress.update(task, description=f"{name}: {message}")

            try:
                built.append(build_world(name, seed=seed, n_patients=patients, force=force, on_stage=stage))
            except MedAgentGymError as error:
                raise _fail(str(error)) from None
            progress.update(task, description=f"{name}: ready", completed=1, total=1)
    if as_json:
        typer.echo(json.dumps({"worlds": [_summary(w) for w in built]}, indent=2))
        return
    table = Table(title="Synthetic EHR worlds")
    for column in ("world", "contents", "patients", "tables", "rows", "build s", "path"):
        table.add_column(column)
    for w in built:
        table.add_row(
            w.name,
            SPECS[w.name].summary,
            str(w.n_patients),
            str(len(w.tables)),
            f"{sum(w.tables.values()):,}",
            f"{w.seconds:.1f}",
            str(w.root),
        )
    Console().print(table)
