"""The report's figures (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from medagentgym.runs.report import RunResult


FIGSIZE = (6.4, 4.2)
"""Inches; both figures share it so that they sit side by side at one scale in the HTML page."""


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def success_plot(runs: Sequence[RunResult], path: Path) -> None:
    """Grouped bars: success rate per family (and overall), one bar per run, 95% CI whiskers."""
    plt = _pyplot()
    families = [*sorted({f for r in runs for f in r.by_family}), "overall"]
    width = 0.8 / max(1, len(runs))
    fig, ax = plt.subplots(figsize=(FIGSIZE[0] + 0.4 * max(0, len(families) - 6), FIGSIZE[1]))
    for i, run in enumerate(runs):
        stats = [run.by_family.get(f) if f != "overall" else run.overall for f in families]
        rates = [s["success_rate"] if s else 0.0 for s in stats]
        low = [s["success_rate"] - s["ci95"][0] if s else 0.0 for s in stats]
        high = [s["ci95"][1] - s["success_rate"] if s else 0.0 for s in stats]
        xs = [j + (i - (len(runs) - 1) / 2) * width for j in range(len(families))]
        ax.bar(xs, rates, width, yerr=[low, high], capsize=3, label=run.label)
    ax.set_xticks(range(len(families)), families, rotation=20, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("success rate (95% CI)")
    ax.set_title("Success by family and model")
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def pass_at_k_plot(runs: Sequence[RunResult], path: Path) -> None:
    """pass@k (solid) and pass^k (dashed) against k, one colour per run."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=FIGSIZE)
    largest_k = max((len(run.overall["pass_at_k"]) for run in runs), default=1)
    for run in runs:
        ks = [int(k) for k in run.overall["pass_at_k"]]
        (line,) = ax.plot(
            ks, list(run.overall["pass_at_k"].values()), marker="o", label=f"{run.label} pass@k"
        )
        ax.plot(
            ks,
            list(run.overall["pass_hat_k"].values()),
            marker="x",
            linestyle="--",
            color=line.get_color(),
            label=f"{run.label} pass^k",
        )
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0.5, max(1, largest_k) + 0.5)
    ax.set_xlabel("k (samples)")
    ax.set_ylabel("rate")
    ax.set_ylim(0, 1)
    ax.set_title("pass@k and pass^k")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
