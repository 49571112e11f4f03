"""``medagentgym sandbox``: prove the isolation (``check``) and measure the speed (``bench``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from medagentgym.cli_options import JsonFlag
from medagentgym.errors import ConfigError, MedAgentGymError

app = typer.Typer(
    help="The isolated code sandbox: run the hacker suite, or benchmark it against simpler designs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()

# Targets of the issue, checked by the human-readable bench report.
TARGETS = (
    ("isolated pandas median <= 8 ms", lambda r: r["pandas"]["ours"]["median_ms"] <= 8),
    ("isolated trivial median <= 3 ms", lambda r: r["trivial"]["ours"]["median_ms"] <= 3),
    ("pandas throughput >= 150 runs/s (2 workers)", lambda r: r["pandas"]["ours"]["throughput_per_s"] >= 150),
    ("pandas: >= 100x faster than the original", lambda r: _speedup(r, "original") >= 100),
    ("pandas: >= 30x faster than a fresh process", lambda r: _speedup(r, "fresh_process") >= 30),
    ("idle pool <= 300 MB", lambda r: r["pandas"]["ours"]["idle_pool_mb"] <= 300),
)


def _speedup(report: dict[str, Any], baseline: str) -> float:
    return report["pandas"][baseline]["median_ms"] / report["pandas"]["ours"]["median_ms"]


def _guarded(action: Callable[[], None]) -> None:
    """Run a command; errors the user can do something about become one message and status 2."""
    try:
        action()
    except MedAgentGymError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None


@app.command()
def check(
    as_json: JsonFlag = False,
    only: Annotated[list[str] | None, typer.Option("--only", help="Run only this case (repeatable).")] = None,
    mode: Annotated[str, typer.Option(help="Sandbox mode to attack: isolated or unsafe.")] = "isolated",
) -> None:
    """Run the hacker suite: every attack must be contained. Exits 1 if any is not."""

    def run() -> None:
        from medagentgym.sandbox import hacker

        cases = hacker.CASES
        if only:
            known = {case.name for case in cases}
            unknown = sorted(set(only) - known)
            if unknown:
                raise ConfigError(f"unknown case(s) {', '.join(unknown)}; see `medagentgym sandbox check`")
            cases = tuple(case for case in cases if case.name in only)
        outcomes = hacker.run_suite(mode=mode, cases=cases)
        contained = sum(o.contained for o in outcomes)
        if as_json:
            report = {
                "total": len(outcomes),
                "contained": contained,
                "cases": [o.to_dict() for o in outcomes],
            }
            sys.stdout.write(json.dumps(report, indent=2) + "\n")
        else:
            table = Table(title=f"sandbox hacker suite ({mode})")
            table.add_column("case")
            table.add_column("contained")
            table.add_column("detail", overflow="fold")
            for outcome in outcomes:
                mark = "[green]yes[/]" if outcome.contained else "[bold red]NO[/]"
                table.add_row(outcome.name, mark, outcome.detail)
            console.print(table)
            console.print(f"{contained}/{len(outcomes)} attacks contained")
        if contained < len(outcomes):
            raise typer.Exit(1)

    _guarded(run)


@app.command()
def bench(
    as_json: JsonFlag = False,
    quick: Annotated[bool, typer.Option("--quick", help="Fewer repeats (well under a minute).")] = False,
) -> None:
    """Latency and throughput: the isolated pool, a fresh ``python -c``, and the original design."""

    def run() -> None:
        from medagentgym.sandbox.bench import measure

        report = measure(quick=quick)
        if as_json:
            sys.stdout.write(json.dumps(report, indent=2) + "\n")
            return
        table = Table(title="sandbox benchmark (same machine, same run, interleaved)")
        for column in ("snippet", "design", "median ms", "p95 ms", "runs/s (2 workers)"):
            table.add_column(column, justify="right" if "ms" in column or "runs" in column else "left")
        for snippet, designs in report.items():
            for design, row in designs.items():
                table.add_row(
                    snippet,
                    design,
                    f"{row['median_ms']:.1f}",
                    f"{row['p95_ms']:.1f}",
                    f"{row['throughput_per_s']:.1f}",
                )
        console.print(table)
        console.print(f"idle pool: {report['pandas']['ours']['idle_pool_mb']:.0f} MB")
        for name, met in TARGETS:
            console.print(f"{'[green]met[/]' if met(report) else '[bold red]missed[/]'}  {name}")

    _guarded(run)


if __name__ == "__main__":
    app()
