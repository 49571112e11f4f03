"""``medagentgym import ...``: one sub-command per importer (heavy imports happen inside the commands)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Import official task files into MedAgentGym task sets.", no_args_is_help=True)


@app.callback()
def importers() -> None:
    """Keep ``import`` a command group even while it has a single importer."""


@app.command("medagentgym")
def medagentgym_command(
    family: Annotated[str, typer.Option("--family", help="mimic_iii, eicu or treqs.")],
    file: Annotated[Path, typer.Option("--file", help="Official task file (JSON lines).")],
    reground: Annotated[
        bool, typer.Option("--reground", help="Run the gold SQL on the synthetic world of the same schema.")
    ] = False,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Run the gold SQL on your own EHRSQL/MIMICSQL SQLite database."),
    ] = None,
    time_semantics: Annotated[
        str,
        typer.Option("--time-semantics", help="ehrsql (now = 2105-12-31 23:59:00) or raw (as the original)."),
    ] = "ehrsql",
    seed: Annotated[int, typer.Option(help="World seed for --reground.")] = 0,
    patients: Annotated[
        int | None, typer.Option(help="World size for --reground (default: the default world).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Save the imported task set to this directory.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Import official MedAgentGym EHR tasks; answers are recomputed by running their gold SQL."""
    from rich.console import Console

    from medagentgym.cli import print_json
    from medagentgym.importers.medagentgym import import_file
    from medagentgym.tasks.taskset import save_task_set

    result = import_file(
        file,
        family,
        reground=reground,
        db=db,
        semantics=time_semantics,  # type: ignore[arg-type]
        seed=seed,
        n_patients=patients,
    )
    report = result.report()
    if out is not None:
        meta = {"source": str(file), "family": family, "time_semantics": time_semantics, "reground": reground}
        save_task_set(result.tasks, out, name=f"medagentgym-{family}-{file.stem}", meta=meta)
        report["out"] = str(out)
    if as_json:
        print_json(report)
        return
    console = Console(soft_wrap=True)
    console.print(
        f"{report['total']} rows: {report['executed']} executed, {report['non_empty']} with a non-empty answer "
        f"(imported), {len(report['failed'])} failed."
    )
    for row_id, reason in list(report["errors"].items())[:20]:
        console.print(f"  {row_id}: {reason}", markup=False)
    if out is not None:
        console.print(f"saved to {out}")
