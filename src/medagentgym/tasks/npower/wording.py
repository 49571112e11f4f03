"""How questions are worded: a few phrasings per test type and target, filled from draw slots.

Every question states the conventions that make its answer unique (sidedness, what ``n`` counts,
how the effect size is defined, rounding), so that one number is right. The phrasings are our
own, informed by the original N-PowerAI questions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from medagentgym.tasks.npower.draws import Slots
from medagentgym.tasks.npower.studies import Target

ROLES = (
    "A clinical researcher",
    "A trial statistician",
    "An epidemiologist",
    "A physician",
    "A research nurse",
    "A public-health scientist",
)

T_TEST = "Base the calculation on the noncentral t distribution."
ENDINGS = {
    "size": "Round the sample size up to the next whole number.",
    "power": "Give the power as a proportion between 0 and 1 (for example 0.83).",
}


@dataclass(frozen=True)
class Wording:
    """The phrasings of one test type; ``convention`` is appended to every question."""

    intros: tuple[str, ...]
    size_asks: tuple[str, ...]
    power_asks: tuple[str, ...]
    convention: str


ONE_SAMPLE = Wording(
    intros=(
        "{role} is planning a study of {population}. In this population the mean {outcome} is "
        "{reference}. The investigators expect {intervention} to {verb} the mean {outcome} to "
        "{expected}, with a standard deviation of {sd}.",
        "Published data put the mean {outcome} of {population} at {reference}. {role} "
        "hypothesises that after {intervention} the mean will be {expected} (standard "
        "deviation {sd}) and will compare the sample mean with the published value.",
    ),
    size_asks=(
        "How many participants are needed for a {sides} one-sample t-test{direction_note} at a "
        "significance level of {alpha} to have {power} power?",
        "What is the smallest sample size that gives a {sides} one-sample t-test{direction_note} "
        "{power} power at alpha = {alpha}?",
    ),
    power_asks=(
        "If {n} participants are enrolled, what is the power of a {sides} one-sample "
        "t-test{direction_note} at a significance level of {alpha}?",
        "The study can recruit {n} participants. What power does a {sides} one-sample "
        "t-test{direction_note} at alpha = {alpha} achieve?",
    ),
    convention=T_TEST,
)

PAIRED = Wording(
    intros=(
        "{role} wants to test whether {intervention} changes {outcome} in {population}. Each "
        "participant is measured before and {interval} after starting the intervention. Earlier "
        "studies suggest a mean {movement} of {change}, and {spread}.",
        "In a before-and-after study of {population}, {role_lower} expects {intervention} to {verb} "
        "{outcome} by {change} on average over {interval}; {spread}.",
    ),
    size_asks=(
        "How many participants (pairs of measurements) are needed for a {sides} paired "
        "t-test{direction_note} at a significance level of {alpha} to reach {power} power?",
        "What number of participants gives a {sides} paired t-test{direction_note} {power} power at "
        "alpha = {alpha}?",
    ),
    power_asks=(
        "With {n} participants, what is the power of a {sides} paired t-test{direction_note} at the "
        "{alpha} significance level?",
        "{n} participants complete both measurements. What power does a {sides} paired "
        "t-test{direction_note} at alpha = {alpha} have?",
    ),
    convention=T_TEST,
)

TWO_SAMPLE = Wording(
    intros=(
        "{role} plans a randomised trial in {population} comparing {treatment} (group B) with "
        "{control} (group A). The mean {outcome} is expected to be {difference} {comparison} "
        "in group B, with {spread}. {allocation}",
        "A trial in {population} will randomise patients to {control} (group A) or {treatment} "
        "(group B). {role} expects a difference in mean {outcome} of {difference} (group B "
        "{comparison}), with {spread}. {allocation}",
    ),
    size_asks=(
        "How many patients are needed {who} for a {sides} two-sample t-test{direction_note} at a "
        "significance level of {alpha} to have {power} power?",
        "What sample size {who} gives a {sides} two-sample t-test{direction_note} {power} power at "
        "alpha = {alpha}?",
    ),
    power_asks=(
        "With {enrolled}, what is the power of a {sides} two-sample t-test{direction_note} at the "
        "{alpha} significance level?",
        "The trial enrols {enrolled}. What power does a {sides} two-sample t-test{direction_note} at "
        "alpha = {alpha} achieve?",
    ),
    convention=f"Assume equal variances. {T_TEST}",
)

ANOVA = Wording(
    intros=(
        "{role} plans a study of {population} comparing {k} groups by {factor}: {groups}. The "
        "expected mean {outcome} is {means}, respectively, with a standard deviation of "
        "{sd} within each group. All groups will be the same size.",
        "{population_cap} will be randomised in equal numbers to one of {k} groups by {factor} "
        "({groups}). {role} expects mean {outcome} values of {means}, respectively, and a "
        "common within-group standard deviation of {sd}.",
    ),
    size_asks=(
        "How many participants are needed per group for a one-way ANOVA F test at a significance "
        "level of {alpha} to have {power} power?",
        "What is the smallest number of participants per group that gives the one-way ANOVA F test "
        "{power} power at alpha = {alpha}?",
    ),
    power_asks=(
        "With {n} participants in each group, what is the power of the one-way ANOVA F test at the "
        "{alpha} significance level?",
        "The study can enrol {n} participants per group. What power does the one-way ANOVA F test "
        "at alpha = {alpha} have?",
    ),
    convention=(
        "Use Cohen's f: the standard deviation of the group means (dividing by the number of "
        "groups) divided by the within-group standard deviation."
    ),
)

CHI_SQUARE = Wording(
    intros=(
        "{role} will study {population} to assess the association between {factor} and {outcome}. "
        "The expected distribution of {outcome} ({category_list}) is {distributions}. {composition}",
        "In a survey of {population}, {outcome} is classified as {category_list}. {role} expects "
        "the distributions {distributions}. {composition}",
    ),
    size_asks=(
        "What total sample size does a chi-square test of independence at a significance level of "
        "{alpha} need for {power} power?",
        "How many participants in total are needed for the chi-square test of independence between "
        "{factor} and {outcome} to have {power} power at alpha = {alpha}?",
    ),
    power_asks=(
        "With {n} participants in total, what is the power of a chi-square test of independence at "
        "the {alpha} significance level?",
        "The survey will include {n} participants. What power does the chi-square test of "
        "independence at alpha = {alpha} have?",
    ),
    convention=(
        "Use Cohen's w computed from the joint proportions (group share times within-group "
        "proportion) and (groups - 1) * (categories - 1) degrees of freedom."
    ),
)

COX = Wording(
    intros=(
        "{role} is planning a randomised trial in {population} comparing {treatment} "
        "(group E) with {control} (group C), with equal numbers in each group. Patients will be "
        "followed for up to {follow_up} for {event}. The probability of {event} during follow-up "
        "is expected to be {p_e} in group E and {p_c} in group C, and the hazard ratio of E versus "
        "C is assumed to be {hr}.",
        "A trial in {population} will randomise patients equally to {treatment} (group E) or "
        "{control} (group C) and analyse time to {event} with a Cox proportional-hazards model. "
        "Over {follow_up} of follow-up, {role_lower} expects {event} in a proportion {p_e} of "
        "group E and {p_c} of group C, with a hazard ratio (E vs C) of {hr}.",
    ),
    size_asks=(
        "How many patients are needed in each group for a {sides} test at a significance level of "
        "{alpha} to have {power} power?",
        "What number of patients per group gives a {sides} test {power} power at alpha = {alpha}?",
    ),
    power_asks=(
        "With {n} patients in each group, what is the power of a {sides} test at the {alpha} "
        "significance level?",
        "The trial can enrol {n} patients per group. What power does a {sides} test at alpha = {alpha} have?",
    ),
    convention=(
        "Use {formula} formula for the required number of events (normal approximation; for a "
        "two-sided test ignore the opposite tail); n patients per group are expected to have "
        "n * (p_E + p_C) events in all."
    ),
)


def render(
    wording: Wording, slots: Slots, target: Target, rng: np.random.Generator
) -> tuple[str, dict[str, int]]:
    """Fill one phrasing of each part; returns the text and which phrasings were used."""
    role = ROLES[int(rng.integers(len(ROLES)))]
    filled = {
        **slots,
        "role": role,
        "role_lower": role[0].lower() + role[1:],
        "population_cap": slots.get("population", "")[:1].upper() + slots.get("population", "")[1:],
    }
    asks = wording.size_asks if target == "size" else wording.power_asks
    intro, ask = int(rng.integers(len(wording.intros))), int(rng.integers(len(asks)))
    parts = [wording.intros[intro], asks[ask], wording.convention, ENDINGS[target]]
    text = " ".join(part.format(**filled) for part in parts)
    return text, {"intro": intro, "ask": ask}
