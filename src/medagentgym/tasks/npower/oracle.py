"""The oracle program of a question: plain Python an analyst would write.

It restates the question's numbers, computes the effect size with the study's own
``effect_code`` and calls statsmodels (or the normal formula for Cox models), then prints the
answer as JSON on its last line. The effect size and the calculation run apart from the engine's
(only the calculation's options, such as the number of groups or the sidedness, are copied in),
so an oracle that passes is an independent check of the reference answer.
"""

from __future__ import annotations

import dataclasses
import re

from medagentgym.tasks.npower.engine import Design
from medagentgym.tasks.npower.studies import Problem


def oracle_code(problem: Problem) -> str:
    """Return a self-contained program that prints the problem's answer as JSON."""
    design = problem.study.design()
    effect = problem.study.effect_code()
    scale = " / per_n" if "per_n" in effect else ""
    times = " * per_n" if "per_n" in effect else ""
    lines = [*_parameters(problem, effect), "", effect, ""]
    if design.analysis == "normal":
        lines.append(_normal_quantile(design))
        if problem.target == "size":
            lines += [
                "events = ((z_alpha + norm.ppf(target_power)) / effect) ** 2",
                f"print(json.dumps(math.ceil(events{scale})))",
            ]
        else:
            lines.append(f"print(json.dumps(float(norm.cdf(effect * math.sqrt(n{times}) - z_alpha))))")
    else:
        options = "".join(f", {key}={value!r}" for key, value in design.options.items())
        if problem.target == "size":
            nobs = "nobs1" if design.analysis == "TTestIndPower" else "nobs"
            lines += [
                f"observations = {design.analysis}().solve_power(",
                f"    effect_size=effect, {nobs}=None, alpha=alpha, power=target_power{options}",
                ")",
                f"print(json.dumps(math.ceil(observations{scale})))",
            ]
        else:
            lines.append(
                f"print(json.dumps(float({design.analysis}().power(effect, n{times}, alpha{options}))))"
            )
    body = "\n".join(lines) + "\n"
    return _imports(body, design) + "\n" + body


def _parameters(problem: Problem, effect: str) -> list[str]:
    """Assignments of the study numbers the effect code uses, then alpha and what is given."""
    lines = []
    for field in dataclasses.fields(problem.study):
        value = getattr(problem.study, field.name)
        if field.name != "alpha" and re.search(rf"\b{field.name}\b", effect):
            lines.append(f"{field.name} = {_literal(value)}")
    lines.append(f"alpha = {problem.study.alpha!r}")
    if problem.target == "size":
        lines.append(f"target_power = {problem.given!r}")
    else:
        lines.append(f"n = {int(problem.given)}")
    return lines


def _literal(value: object) -> str:
    if isinstance(value, tuple):
        return repr([_plain(v) for v in value])
    return repr(value)


def _plain(value: object) -> object:
    return [*value] if isinstance(value, tuple) else value


def _normal_quantile(design: Design) -> str:
    if design.options["tails"] == 2:
        return "z_alpha = norm.isf(alpha / 2)  # two-sided; the opposite tail is ignored"
    return "z_alpha = norm.isf(alpha)  # one-sided"


def _imports(body: str, design: Design) -> str:
    modules = [m for m in ("json", "math", "statistics") if f"{m}." in body]
    lines = [f"import {m}" for m in modules]
    if "np." in body:
        lines += ["", "import numpy as np"]
    if design.analysis == "normal":
        lines.append("from scipy.stats import norm")
    else:
        lines.append(f"from statsmodels.stats.power import {design.analysis}")
    return "\n".join(lines) + "\n"
