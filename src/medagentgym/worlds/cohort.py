"""A schema-neutral synthetic hospital: people, hospital admissions, ICU stays and problems.

Everything downstream (events, and the three schemas) is derived from this one cohort, so the
correlations that make the data clinically plausible live here and in ``events``: a person's
age and sex drive their chronic problems; those and the age drive the reason for each
admission; the problems drive length of stay, ICU use, mortality and every event.

Times are float seconds since the Unix epoch (NaN = no value), which keeps the generator
vectorised; the emitters format them as ``YYYY-MM-DD HH:MM:SS``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from medagentgym.worlds.knowledge import Knowledge

DAY = 86_400.0
YEAR = 365.25 * DAY


def seconds(text: str) -> float:
    """Epoch seconds of a ``YYYY-MM-DD HH:MM:SS`` timestamp."""
    return float(np.datetime64(text.replace(" ", "T"), "s").astype(np.int64))


@dataclass(frozen=True)
class CohortConfig:
    """How one world's hospital differs from another's (time frame, ages, ICU-only...)."""

    start: str  # earliest admission
    end: str  # EHRSQL's "now" when ``ongoing``, else the latest possible discharge
    ongoing: bool  # "current patients": admissions still open at ``end``
    current_share: float = 0.0  # share of people with an open admission at ``end``
    min_age: int = 11
    max_age: int = 89
    newborn_share: float = 0.0
    icu_always: bool = False  # eICU: every hospital stay has a unit stay
    extra_icu_share: float = 0.08  # admissions with a second ICU stay
    ongoing_icu_share: float = 0.7  # open admissions whose last ICU stay is still open


@dataclass
class Hospital:
    """The generated cohort; every frame is indexed by position (pid/aid/uid = row number)."""

    persons: pd.DataFrame
    admissions: pd.DataFrame
    icustays: pd.DataFrame
    problems: pd.DataFrame  # aid, problem, principal
    end: float  # "now" (EHRSQL) or the end of the record (TREQS): no event lies after it


def categorical(rng: np.random.Generator, dist: dict, size: int) -> np.ndarray:
    """Draw ``size`` values from a ``{value: weight}`` mapping (empty string = NULL)."""
    values = np.array([None if v == "" else v for v in dist], dtype=object)
    weights = np.fromiter(dist.values(), dtype=float)
    return values[rng.choice(len(values), size=size, p=weights / weights.sum())]


def choose_rows(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One column index per row of a non-negative weight matrix (rows must not be all zero)."""
    cumulative = np.cumsum(weights, axis=1)
    draws = rng.random(len(weights)) * cumulative[:, -1]
    return (cumulative < draws[:, None]).sum(axis=1)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _odds_scale(p: np.ndarray, factor: np.ndarray) -> np.ndarray:
    return p * factor / (p * factor + 1 - p)


def _persons(rng: np.random.Generator, n: int, cfg: CohortConfig, k: Knowledge) -> pd.DataFrame:
    newborn = rng.random(n) < cfg.newborn_share
    young = rng.random(n) < 0.15
    age = np.where(young, rng.normal(36, 12, n), rng.normal(66, 14, n))
    age = np.where(newborn, 0.0, np.clip(age, cfg.min_age, cfg.max_age))
    male = rng.random(n) < 0.56
    chronic = k.problems[k.problems["kind"] == "chronic"]
    base = _logit(chronic["prevalence"].to_numpy())[None, :]
    slope = chronic["age_slope"].to_numpy()[None, :]
    p = _sigmoid(base + slope * (age[:, None] - 65) / 10)
    # "male" is the male:female odds ratio, split evenly around the population prevalence
    half = np.sqrt(chronic["male"].to_numpy())[None, :]
    p = _odds_scale(p, np.where(male[:, None], half, 1 / half))
    has = (rng.random(p.shape) < p) & ~newborn[:, None]
    frame = pd.DataFrame({"pid": np.arange(n), "male": male, "newborn": newborn, "age0": age})
    frame["chronic"] = [chronic.index.to_numpy()[row] for row in has]
    return frame


def _principal(
    rng: np.random.Generator, k: Knowledge, adm: pd.DataFrame, persons: pd.DataFrame
) -> np.ndarray:
    """Reason for each admission, weighted by age, sex and the person's chronic problems."""
    acute = k.problems[k.problems["kind"] == "acute"]
    weights = np.tile(acute["weight"].to_numpy(), (len(adm), 1))
    age = adm["age"].to_numpy()[:, None]
    weights *= np.exp(-0.5 * ((age - acute["age"].to_numpy()[None, :]) / 20.0) ** 2)
    male = persons["male"].to_numpy()[adm["pid"].to_numpy()]
    weights[male] *= acute["male"].to_numpy()[None, :]
    chronic_sets = persons["chronic"].to_numpy()[adm["pid"].to_numpy()]
    for j, (given, without) in enumerate(zip(acute["given"], acute["without"], strict=True)):
        if not given and without == 1.0:
            continue
        factor = np.full(len(adm), without)
        for chronic_key, multiplier in given.items():
            idx = k.problem_index(chronic_key)
            hit = np.fromiter((idx in s for s in chronic_sets), dtype=bool, count=len(adm))
            factor = np.where(hit, np.maximum(factor, multiplier), factor)
        weights[:, j] *= factor
    chosen = acute.index.to_numpy()[choose_rows(rng, weights)]
    newborn_idx = k.problem_index("newborn")
    return np.where(adm["newborn"].to_numpy(), newborn_idx, chosen)


def _timeline(rng: np.random.Generator, cfg: CohortConfig, adm: pd.DataFrame) -> pd.DataFrame:
    """Place every person's admissions in absolute time, with ~current_share still open."""
    start, end = seconds(cfg.start), seconds(cfg.end)
    gap = np.where(adm["seq"] == 0, 0.0, rng.exponential(240, len(adm)) * DAY + 2 * DAY)
    los = adm["los"].to_numpy() * DAY
    previous_los = adm.groupby("pid")["los"].shift(1, fill_value=0).to_numpy() * DAY
    adm["rel_admit"] = pd.Series(gap + previous_los).groupby(adm["pid"]).cumsum().to_numpy()
    last = adm.groupby("pid")["seq"].transform("max").to_numpy() == adm["seq"].to_numpy()
    span = adm.groupby("pid")["rel_admit"].transform("max").to_numpy()
    last_los = pd.Series(np.where(last, los, 0.0)).groupby(adm["pid"]).transform("max").to_numpy()
    n_persons = int(adm["pid"].max()) + 1
    pid = adm["pid"].to_numpy()
    current = np.zeros(n_persons, dtype=bool)
    if cfg.ongoing:
        chosen = rng.choice(n_persons, round(cfg.current_share * n_persons), replace=False)
        current[chosen] = True
    is_current = current[pid]
    # one draw per person, so that all of a person's admissions move together
    fraction = rng.uniform(0.1, 0.9, n_persons)[pid]
    margin = rng.uniform(0.05, 30, n_persons)[pid] * DAY if cfg.ongoing else 0.0
    u = np.sqrt(rng.random(n_persons))[pid]
    # open admissions started a fraction of their stay ago; closed histories end before "now"
    elapsed = np.clip(fraction * last_los, 0.1 * DAY, 20 * DAY)
    open_anchor = end - elapsed - span
    latest = end - span - last_los - margin
    # EHRSQL's shift makes recent years more common: anchor density grows linearly with time
    closed_anchor = np.where(latest > start, start + (latest - start) * u, latest)
    anchor = np.where(is_current, open_anchor, closed_anchor)
    adm["admit"] = np.floor(anchor + adm["rel_admit"].to_numpy())
    adm["disch"] = np.floor(adm["admit"].to_numpy() + los)
    adm["current"] = is_current & last
    adm.loc[adm["current"], "disch"] = np.nan
    return adm[adm["admit"] >= start].reset_index(drop=True)


def _icustays(
    rng: np.random.Generator, cfg: CohortConfig, k: Knowledge, adm: pd.DataFrame, end: float
) -> pd.DataFrame:
    problems = k.problems.loc[adm["principal"].to_numpy()]
    has_icu = cfg.icu_always | (rng.random(len(adm)) < problems["icu"].to_numpy())
    stay_end = adm["end"].to_numpy()
    admit = adm["admit"].to_numpy()
    length = stay_end - admit
    offset = np.where(
        rng.random(len(adm)) < 0.6, rng.uniform(0, 0.08, len(adm)), rng.uniform(0, 0.3, len(adm))
    )
    intime = admit + np.minimum(offset * length, np.maximum(length - 3600, 0))
    median = np.where(problems["icu_los"] > 0, problems["icu_los"], 0.45 * problems["los"])
    wanted = np.exp(np.log(median * DAY) + rng.normal(0, 0.5, len(adm)))
    if cfg.icu_always:  # eICU records only unit stays: they cover most of the hospital stay
        wanted = np.maximum(wanted, 0.6 * length)
    outtime = np.minimum(intime + np.maximum(wanted, 6 * 3600), stay_end)
    frames = [pd.DataFrame({"aid": adm["aid"], "intime": intime, "outtime": outtime})[has_icu]]
    second = has_icu & (rng.random(len(adm)) < cfg.extra_icu_share) & (stay_end - outtime > 2 * DAY)
    gap = rng.uniform(0.2, 0.5, len(adm)) * (stay_end - outtime)
    in2 = outtime + gap
    out2 = np.minimum(in2 + rng.lognormal(np.log(1.5 * DAY), 0.4, len(adm)), stay_end)
    frames.append(pd.DataFrame({"aid": adm["aid"], "intime": in2, "outtime": out2})[second])
    stays = pd.concat(frames).sort_values(["aid", "intime"], kind="stable").reset_index(drop=True)
    stays["intime"] = np.floor(stays["intime"])
    stays["outtime"] = np.floor(stays["outtime"])
    current = adm["current"].to_numpy()[stays["aid"].to_numpy()]
    last = ~stays["aid"].duplicated(keep="last").to_numpy()
    keep_open = current & last & (rng.random(len(stays)) < cfg.ongoing_icu_share)
    stays.loc[keep_open, "outtime"] = np.nan
    # a closed ICU stay of an open admission ended some time before "now"
    reaches_now = current & ~keep_open & (stays["outtime"].to_numpy() >= end - 3600)
    midpoint = stays["intime"] + 0.5 * (end - stays["intime"])
    stays.loc[reaches_now, "outtime"] = np.floor(midpoint[reaches_now])
    stays["end"] = stays["outtime"].fillna(end)
    # stays that would have started after "now" did not happen
    stays = stays[stays["intime"] < stays["end"]].reset_index(drop=True)
    stays["uid"] = np.arange(len(stays))
    stays["seq"] = stays.groupby("aid").cumcount()
    principal = adm["principal"].to_numpy()[stays["aid"].to_numpy()]
    units = k.problems["careunits"].to_numpy()
    fallback = {"micu": 1.0}
    stays["careunit"] = [categorical(rng, units[p] or fallback, 1)[0] for p in principal]
    moved = rng.random(len(stays)) < 0.05
    others = np.array(["micu", "sicu", "ccu", "csru", "tsicu"], dtype=object)
    stays["last_careunit"] = np.where(moved, others[rng.integers(0, 5, len(stays))], stays["careunit"])
    return stays


def _admin_columns(
    rng: np.random.Generator, k: Knowledge, adm: pd.DataFrame, persons: pd.DataFrame
) -> pd.DataFrame:
    demo = k.demographics["mimic"]
    problems = k.problems.loc[adm["principal"].to_numpy()]
    adm["adm_type"] = [categorical(rng, d, 1)[0] for d in problems["admission"]]
    emergency = categorical(rng, demo["admission_location"], len(adm))
    elective = categorical(rng, demo["elective_location"], len(adm))
    location = np.where(adm["adm_type"] == "ELECTIVE", elective, emergency)
    adm["location"] = np.where(adm["adm_type"] == "NEWBORN", "PHYS REFERRAL/NORMAL DELI", location)
    adm["discharge_location"] = categorical(rng, demo["discharge_location"], len(adm))
    adm.loc[adm["died"], "discharge_location"] = "DEAD/EXPIRED"
    adm.loc[adm["current"], "discharge_location"] = None
    texts = problems["admit_text"].to_numpy()
    picks = rng.random(len(adm))
    adm["admit_text"] = [t[int(u * len(t))] for t, u in zip(texts, picks, strict=True)]
    person_cols = {
        "insurance": np.where(
            persons["age0"] >= 65,
            categorical(rng, demo["insurance_old"], len(persons)),
            categorical(rng, demo["insurance_young"], len(persons)),
        ),
        "marital": categorical(rng, demo["marital_status"], len(persons)),
        "language": categorical(rng, demo["language"], len(persons)),
        "religion": categorical(rng, demo["religion"], len(persons)),
        "ethnicity": categorical(rng, demo["ethnicity"], len(persons)),
    }
    for column, values in person_cols.items():
        adm[column] = values[adm["pid"].to_numpy()]
    newborn = adm["newborn"].to_numpy()
    adm.loc[newborn, "marital"] = None
    adm.loc[newborn, "insurance"] = np.where(rng.random(newborn.sum()) < 0.6, "Private", "Medicaid")
    return adm


def build_cohort(rng: np.random.Generator, n: int, cfg: CohortConfig, k: Knowledge) -> Hospital:
    """Generate ``n`` people with 1-5 admissions each and everything about those admissions."""
    persons = _persons(rng, n, cfg, k)
    counts = rng.choice([1, 2, 3, 4, 5], size=n, p=[0.72, 0.16, 0.07, 0.03, 0.02])
    counts = np.where(persons["newborn"], 1, counts)
    adm = pd.DataFrame({"pid": np.repeat(persons["pid"].to_numpy(), counts)})
    adm["seq"] = adm.groupby("pid").cumcount()
    adm["newborn"] = persons["newborn"].to_numpy()[adm["pid"]]
    # ages grow across readmissions roughly one year per admission; refined after placement
    adm["age"] = persons["age0"].to_numpy()[adm["pid"]] + adm["seq"] * 0.7
    adm["principal"] = _principal(rng, k, adm, persons)
    problems = k.problems.loc[adm["principal"].to_numpy()]
    age_factor = 1 + 0.008 * (adm["age"].to_numpy() - 60)
    los = np.exp(np.log(problems["los"].to_numpy()) + rng.normal(0, 0.55, len(adm))) * age_factor
    adm["los"] = np.clip(los, 0.3, 28.0)
    adm = _timeline(rng, cfg, adm)
    end = seconds(cfg.end)

    # birth date from the age at the first kept admission; drop admissions past max_age
    first = adm.groupby("pid")["admit"].transform("min").to_numpy()
    first_age = adm.groupby("pid")["age"].transform("min").to_numpy()
    jitter = rng.random(len(adm))[adm.groupby("pid").ngroup().to_numpy()]
    newborn = adm["newborn"].to_numpy()
    dob = np.where(
        newborn,
        first - rng.uniform(0.5, 6, len(adm)) * 3600,
        first - (np.floor(first_age) + jitter) * YEAR,
    )
    adm["dob"] = np.floor(dob / DAY) * DAY
    adm["age"] = np.floor((adm["admit"] - adm["dob"]) / YEAR).astype(int)
    adm = adm[newborn | (adm["age"] <= cfg.max_age)].reset_index(drop=True)

    # in-hospital death ends a person's history: later admissions never happened
    problems = k.problems.loc[adm["principal"].to_numpy()]
    risk = _logit(problems["mortality"].to_numpy()) + 0.035 * (adm["age"].to_numpy() - 65)
    n_chronic = persons["chronic"].map(len).to_numpy()[adm["pid"].to_numpy()]
    risk = risk + 0.12 * n_chronic
    died = (rng.random(len(adm)) < _sigmoid(risk)) & ~adm["current"].to_numpy()
    died_before = pd.Series(died).groupby(adm["pid"]).cumsum().to_numpy() - died
    adm = adm[died_before == 0].reset_index(drop=True)
    adm["died"] = died[died_before == 0]
    adm["aid"] = np.arange(len(adm))
    adm["end"] = adm["disch"].fillna(end)

    adm = _admin_columns(rng, k, adm, persons)
    icustays = _icustays(rng, cfg, k, adm, end)

    # date of death: in hospital, or later (NULL if after "now" / the end of the record)
    last = adm.groupby("pid").tail(1)
    later = rng.random(len(last)) < _sigmoid(-2.4 + 0.045 * (last["age"].to_numpy() - 65))
    after = last["disch"].to_numpy() + rng.exponential(500, len(last)) * DAY
    dod = np.where(last["died"], last["disch"], np.where(later, after, np.nan))
    dod = np.where(dod <= end, np.floor(dod / DAY) * DAY, np.nan)
    persons = persons.loc[last["pid"].to_numpy()].copy()
    persons["dob"] = last["dob"].to_numpy()
    persons["dod"] = dod
    persons = persons.reset_index(drop=True)
    remap = pd.Series(np.arange(len(persons)), index=persons["pid"].to_numpy())
    adm["pid"] = remap.loc[adm["pid"].to_numpy()].to_numpy()
    persons["pid"] = np.arange(len(persons))

    problem_rows = _admission_problems(rng, k, adm, persons, icustays)
    return Hospital(persons, adm, icustays, problem_rows, end)


def _admission_problems(
    rng: np.random.Generator,
    k: Knowledge,
    adm: pd.DataFrame,
    persons: pd.DataFrame,
    icustays: pd.DataFrame,
) -> pd.DataFrame:
    """Long table (aid, problem, principal): principal + secondary + chronic + base (+ icu)."""
    acute = k.problems[k.problems["kind"] == "acute"]
    secondary = rng.random((len(adm), len(acute))) < acute["secondary"].to_numpy()[None, :]
    secondary &= ~adm["newborn"].to_numpy()[:, None]
    rows_a, cols_a = np.nonzero(secondary)
    parts = [
        pd.DataFrame({"aid": adm["aid"], "problem": adm["principal"], "principal": True}),
        pd.DataFrame(
            {"aid": adm["aid"].to_numpy()[rows_a], "problem": acute.index.to_numpy()[cols_a]}
        ).assign(principal=False),
    ]
    chronic = persons["chronic"].to_numpy()[adm["pid"].to_numpy()]
    lengths = np.fromiter((len(c) for c in chronic), dtype=int, count=len(adm))
    parts.append(
        pd.DataFrame(
            {
                "aid": np.repeat(adm["aid"].to_numpy(), lengths),
                "problem": np.concatenate([np.asarray(c, dtype=int) for c in chronic])
                if len(adm)
                else np.array([], dtype=int),
                "principal": False,
            }
        )
    )
    parts.append(pd.DataFrame({"aid": adm["aid"], "problem": k.problem_index("base"), "principal": False}))
    with_icu = np.unique(icustays["aid"].to_numpy())
    parts.append(pd.DataFrame({"aid": with_icu, "problem": k.problem_index("icu"), "principal": False}))
    table = pd.concat(parts, ignore_index=True)
    table = table.drop_duplicates(["aid", "problem"], keep="first")
    return table.sort_values(["aid", "problem"], kind="stable").reset_index(drop=True)
