"""Training curves: every logged metric appended to ``metrics.csv`` and drawn to ``curves.png``.

The CSV is long-format (``step,metric,value``) so that trainers logging different metrics (SFT's
loss, GRPO's rewards, PPO's value loss) share one writer, and a resumed run simply appends.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

CSV_FILE = "metrics.csv"
PLOT_FILE = "curves.png"
_FIRST = ("loss", "reward", "success", "value_loss", "policy_loss", "kl")
_SKIPPED = (
    "epoch",
    "total_flos",
    "train_loss",
    "train_runtime",
    "train_samples_per_second",
    "train_steps_per_second",
)


class MetricsLog:
    """Appends metrics to a CSV file and plots them."""

    def __init__(self, out_dir: Path | str) -> None:
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.out_dir / CSV_FILE

    def log(self, step: int, values: dict[str, Any]) -> None:
        rows = [
            (step, name, float(value))
            for name, value in values.items()
            if isinstance(value, int | float) and not isinstance(value, bool) and name not in _SKIPPED
        ]
        if not rows:
            return
        new = not self.path.exists()
        with self.path.open("a", newline="") as handle:
            writer = csv.writer(handle)
            if new:
                writer.writerow(("step", "metric", "value"))
            writer.writerows(rows)

    def read(self) -> dict[str, list[tuple[int, float]]]:
        series: dict[str, list[tuple[int, float]]] = defaultdict(list)
        if self.path.exists():
            with self.path.open(newline="") as handle:
                for row in csv.DictReader(handle):
                    series[row["metric"]].append((int(row["step"]), float(row["value"])))
        return dict(series)

    def last(self, metric: str) -> float | None:
        points = self.read().get(metric)
        return points[-1][1] if points else None

    def plot(self, max_panels: int = 12) -> Path | None:
        """Draw one panel per metric (the main ones first); None when nothing was logged."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        series = {k: v for k, v in self.read().items() if all(math.isfinite(y) for _, y in v)}
        if not series:
            return None
        names = sorted(series, key=lambda n: (not n.endswith(_FIRST), n))[:max_panels]
        cols = min(3, len(names))
        rows = math.ceil(len(names) / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False)
        for ax, name in zip(axes.flat, names, strict=False):
            steps, values = zip(*series[name], strict=True)
            ax.plot(steps, values, marker="." if len(steps) < 30 else None)
            ax.set_title(name, fontsize=9)
            ax.set_xlabel("step", fontsize=8)
            ax.tick_params(labelsize=7)
        for ax in list(axes.flat)[len(names) :]:
            ax.axis("off")
        fig.tight_layout()
        target = self.out_dir / PLOT_FILE
        fig.savefig(target, dpi=100)
        plt.close(fig)
        return target


class CurvesCallback(TrainerCallback):
    """Feeds a transformers/TRL trainer's logs into a :class:`MetricsLog`."""

    def __init__(self, log: MetricsLog) -> None:
        self.metrics = log

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        if logs and state.is_world_process_zero:
            self.metrics.log(state.global_step, logs)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.is_world_process_zero:
            self.metrics.plot()
