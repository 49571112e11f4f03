"""Schema-neutral clinical events of a cohort, from the problem -> item associations.

One mechanism serves every kind of event: an admission's problems select items (codes, drugs,
lab panels, fluids, cultures, eICU diagnoses and treatments) with the probabilities of
``problems.toml``; each selected item gets a number of occurrences; ``spread`` places the
occurrences inside the admission's observation windows. Lab and vital values add up the
problems' z-shifts, so values follow diagnoses (creatinine with renal failure, glucose with
diabetes) and drift towards normal in survivors and away from it in those who die.

A *window* is a span in which a world records events: a hospital admission (MIMIC labs,
prescriptions, cultures) or an ICU stay (MIMIC charts and fluids; everything in eICU). Windows
are a frame with columns ``wid, aid, start, end`` (seconds), sorted by ``aid``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from medagentgym.worlds.cohort import DAY, Hospital
from medagentgym.worlds.knowledge import Knowledge

HOUR = 3600.0


def windows_of(frame: pd.DataFrame, wid: str, start: str) -> pd.DataFrame:
    """Observation windows from an admissions or ICU-stays frame (``end`` is set for both)."""
    return pd.DataFrame(
        {
            "wid": frame[wid].to_numpy(),
            "aid": frame["aid"].to_numpy(),
            "start": frame[start].to_numpy(),
            "end": frame["end"].to_numpy(),
        }
    ).sort_values(["aid", "start"], kind="stable", ignore_index=True)


def draw(k: Knowledge, name: str, hosp: Hospital, rng: np.random.Generator) -> pd.DataFrame:
    """Items selected for each admission by its problems: ``aid, item, problem`` (deduplicated)."""
    pairs = hosp.problems[["aid", "problem"]].merge(k.assoc[name], on="problem", sort=False)
    pairs = pairs[rng.random(len(pairs)) < pairs["p"].to_numpy()]
    return pairs.drop_duplicates(["aid", "item"])[["aid", "item", "problem"]].reset_index(drop=True)


def spread(
    aids: np.ndarray,
    windows: pd.DataFrame,
    rng: np.random.Generator,
    early_hours: np.ndarray | float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Place one event per entry of ``aids`` inside that admission's windows.

    The windows of all admissions are laid end to end on one axis, so a uniform draw on an
    admission's stretch of the axis picks a window with probability proportional to its length
    and a time inside it. With ``early_hours`` the event instead falls an exponentially
    distributed delay after the start of the admission's first window (first cultures,
    diagnoses). Returns ``(keep, wid, time)``: events of admissions without windows are dropped.
    """
    length = (windows["end"] - windows["start"]).to_numpy()
    axis_end = np.cumsum(length)
    axis_start = axis_end - length
    w_aid = windows["aid"].to_numpy()
    first = np.searchsorted(w_aid, aids, side="left")
    last = np.searchsorted(w_aid, aids, side="right")
    keep = np.nonzero(last > first)[0]
    first, last = first[keep], last[keep]
    if early_hours is None:
        lo, hi = axis_start[first], axis_end[last - 1]
        x = lo + rng.random(len(keep)) * (hi - lo)
        index = np.clip(np.searchsorted(axis_end, x, side="right"), first, last - 1)
        time = windows["start"].to_numpy()[index] + (x - axis_start[index])
    else:
        index = first
        scale = np.broadcast_to(np.asarray(early_hours, dtype=float), aids.shape)[keep]
        delay = rng.exponential(1.0, len(keep)) * scale * HOUR
        time = windows["start"].to_numpy()[index] + np.minimum(delay, 0.9 * length[index])
    time = np.minimum(np.floor(time), windows["end"].to_numpy()[index] - 1)
    return keep, windows["wid"].to_numpy()[index], time


def window_at(windows: pd.DataFrame, aids: np.ndarray, times: np.ndarray) -> np.ndarray:
    """The window of each admission holding each time: the admission's last window that
    starts at or before it (admissions have a handful of windows at most); -1 if it has none."""
    w_aid, w_start = windows["aid"].to_numpy(), windows["start"].to_numpy()
    first = np.searchsorted(w_aid, aids, side="left")
    last = np.searchsorted(w_aid, aids, side="right")
    index = first.copy()
    for step in range(1, int((last - first).max(initial=1))):
        candidate = first + step
        inside = candidate < last
        later = inside & (w_start[np.minimum(candidate, len(w_start) - 1)] <= times)
        index = np.where(later, candidate, index)
    found = last > first
    return np.where(found, windows["wid"].to_numpy()[np.minimum(index, len(windows) - 1)], -1)


def _place(
    rows: pd.DataFrame,
    counts: np.ndarray,
    windows: pd.DataFrame,
    rng: np.random.Generator,
    early_hours: float | None,
) -> pd.DataFrame:
    """Repeat each row ``counts`` times and add ``wid, time``: the first occurrence soon after
    the start of the stay (when ``early_hours`` is given), the others anywhere in it."""
    rows = rows.reset_index(drop=True)
    rows = rows.loc[rows.index.repeat(counts)]
    first = ~rows.index.duplicated()
    rows = rows.reset_index(drop=True)
    parts = []
    for mask, early in ((first, early_hours), (~first, None)):
        keep, wid, time = spread(rows["aid"].to_numpy()[mask], windows, rng, early)
        parts.append(rows[mask].iloc[keep].assign(wid=wid, time=time))
    return pd.concat(parts).sort_values(["aid", "time"], kind="stable", ignore_index=True)


def _days(windows: pd.DataFrame) -> pd.Series:
    return ((windows["end"] - windows["start"]) / DAY).groupby(windows["aid"]).sum()


def _problem_shifts(k: Knowledge, hosp: Hospital, name: str, items: np.ndarray) -> np.ndarray:
    """admissions x items matrix: the sum of the admission's problems' z-shifts."""
    matrix = k.shifts[name][:, items]
    total = np.zeros((len(hosp.admissions), len(items)))
    np.add.at(total, hosp.problems["aid"].to_numpy(), matrix[hosp.problems["problem"].to_numpy()])
    return total


def _values(catalogue: pd.DataFrame, item: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Values of standard scores ``z`` for catalogue rows ``item`` (normal or log-normal)."""
    mean = catalogue["mean"].to_numpy()[item]
    sd = catalogue["sd"].to_numpy()[item]
    log = catalogue["log"].to_numpy()[item] if "log" in catalogue else np.zeros(len(item), bool)
    value = np.where(log, np.exp(np.log(np.maximum(mean, 1e-9)) + sd * z), mean + sd * z)
    value = np.clip(value, catalogue["lo"].to_numpy()[item], catalogue["hi"].to_numpy()[item])
    decimals = catalogue["dec"].to_numpy()[item]
    scale = 10.0**decimals
    return np.round(value * scale) / scale


def _trend(hosp: Hospital, aid: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Problem effects fade over a stay for survivors and grow for those who die."""
    adm = hosp.admissions
    admit, end = adm["admit"].to_numpy()[aid], adm["end"].to_numpy()[aid]
    fraction = np.clip((time - admit) / np.maximum(end - admit, 1.0), 0, 1)
    return np.where(adm["died"].to_numpy()[aid], 1 + 0.6 * fraction, 1 - 0.5 * fraction)


def _tail(rng: np.random.Generator, pool: tuple[str, ...], size: int) -> np.ndarray:
    """Codes from a long tail with a skewed, seed-dependent popularity (few common, most rare)."""
    codes = np.asarray(pool, dtype=object)[rng.permutation(len(pool))]
    popularity = 1.0 / (np.arange(len(codes)) + 5.0)
    return codes[rng.choice(len(codes), size, p=popularity / popularity.sum())]


def diagnosis_codes(k: Knowledge, hosp: Hospital, rng: np.random.Generator) -> pd.DataFrame:
    """ICD-9 diagnoses per admission (``aid, code``), the principal code first.

    Besides the codes of the admission's problems, each admission gets a few codes from the
    long tail of everyday comorbidities (CCS categories).
    """
    adm = hosp.admissions
    principal = k.problems["principal_dx"].to_numpy()[adm["principal"].to_numpy()]
    drawn = draw(k, "dx", hosp, rng)
    n_tail = rng.poisson(np.where(adm["newborn"], 0.3, 2.2))
    parts = [
        pd.DataFrame({"aid": adm["aid"], "code": principal, "rank": 0}),
        pd.DataFrame({"aid": drawn["aid"], "code": drawn["item"], "rank": 1}),
        pd.DataFrame(
            {
                "aid": np.repeat(adm["aid"].to_numpy(), n_tail),
                "code": _tail(rng, k.tail_dx, n_tail.sum()),
                "rank": 2,
            }
        ),
    ]
    codes = pd.concat(parts, ignore_index=True).dropna(subset=["code"])
    codes = codes.sort_values(["aid", "rank"], kind="stable").drop_duplicates(["aid", "code"])
    return codes[["aid", "code"]].reset_index(drop=True)


def procedure_codes(
    k: Knowledge, hosp: Hospital, windows: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """ICD-9 procedures (``aid, wid, code, time``) at times inside the admission: the
    problems' procedures plus a few from the long tail of everyday inpatient procedures."""
    drawn = draw(k, "px", hosp, rng)[["aid", "item"]]
    adm = hosp.admissions
    n_tail = rng.poisson(np.where(adm["newborn"], 0.1, 0.6))
    tail = pd.DataFrame(
        {"aid": np.repeat(adm["aid"].to_numpy(), n_tail), "item": _tail(rng, k.tail_px, n_tail.sum())}
    )
    drawn = pd.concat([drawn, tail], ignore_index=True).drop_duplicates(["aid", "item"])
    keep, wid, time = spread(drawn["aid"].to_numpy(), windows, rng)
    out = drawn.iloc[keep].rename(columns={"item": "code"})
    return out.assign(wid=wid, time=time).reset_index(drop=True)


def named_events(
    k: Knowledge,
    hosp: Hospital,
    name: str,
    windows: pd.DataFrame,
    rng: np.random.Generator,
    *,
    early_hours: float | None,
    repeat: float,
) -> pd.DataFrame:
    """Free-text events (eICU diagnoses/treatments): ``aid, wid, item, problem, time``."""
    drawn = draw(k, name, hosp, rng)
    counts = 1 + rng.poisson(repeat, len(drawn))
    return _place(drawn, counts, windows, rng, early_hours)


def drug_orders(
    k: Knowledge, hosp: Hospital, windows: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Medication orders: ``aid, wid, drug (row of the drug table), start, stop``."""
    drawn = draw(k, "drugs", hosp, rng)
    drug = np.zeros(len(drawn), dtype=int)
    for key, group in k.drugs.reset_index().groupby("key", sort=True):
        mask = (drawn["item"] == key).to_numpy()
        if mask.any():
            p = group["weight"].to_numpy() / group["weight"].sum()
            drug[mask] = group["index"].to_numpy()[rng.choice(len(group), mask.sum(), p=p)]
    days = _days(windows).reindex(drawn["aid"]).fillna(0).to_numpy()
    counts = 1 + np.minimum(rng.poisson(days / 5.0), 4)
    orders = _place(drawn[["aid"]].assign(drug=drug), counts, windows, rng, 12.0)
    orders = orders.rename(columns={"time": "start"})
    window_end = windows.set_index("wid")["end"].reindex(orders["wid"]).to_numpy()
    duration = rng.lognormal(np.log(2.0 * DAY), 0.7, len(orders))
    orders["stop"] = np.floor(np.minimum(orders["start"].to_numpy() + duration, window_end))
    return orders.reset_index(drop=True)


def cultures(k: Knowledge, hosp: Hospital, windows: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Microbiology cultures: ``aid, wid, specimen, organism (-1: no growth), time``."""
    drawn = draw(k, "micro", hosp, rng)
    specimen = pd.Index(k.specimens["key"]).get_indexer(drawn["item"])
    days = _days(windows).reindex(drawn["aid"]).fillna(0).to_numpy()
    counts = 1 + rng.poisson(days / 6.0)
    infection = (k.problems["kind"].to_numpy()[drawn["problem"].to_numpy()] == "acute").astype(float)
    rows = pd.DataFrame({"aid": drawn["aid"].to_numpy(), "specimen": specimen, "boost": 1 + 0.6 * infection})
    rows = _place(rows, counts, windows, rng, 10.0)
    positive = rng.random(len(rows)) < np.minimum(
        k.specimens["positive"].to_numpy()[rows["specimen"].to_numpy()] * rows["boost"], 0.95
    )
    organism = np.full(len(rows), -1)
    for index, group in k.organisms.groupby("specimen", sort=False):
        spec = int(pd.Index(k.specimens["key"]).get_loc(index))
        mask = positive & (rows["specimen"].to_numpy() == spec)
        p = group["weight"].to_numpy() / group["weight"].sum()
        organism[mask] = group.index.to_numpy()[rng.choice(len(group), mask.sum(), p=p)]
    rows["organism"] = organism
    second = rows[(organism >= 0) & (rng.random(len(rows)) < 0.12)].copy()
    if len(second):
        for index, group in k.organisms.groupby("specimen", sort=False):
            spec = int(pd.Index(k.specimens["key"]).get_loc(index))
            mask = (second["specimen"] == spec).to_numpy()
            second.loc[mask, "organism"] = group.index.to_numpy()[rng.integers(0, len(group), mask.sum())]
        rows = pd.concat([rows, second]).drop_duplicates(["aid", "time", "specimen", "organism"])
    return rows.drop(columns="boost").sort_values(["aid", "time"], kind="stable", ignore_index=True)


def lab_events(
    k: Knowledge,
    hosp: Hospital,
    windows: pd.DataFrame,
    rng: np.random.Generator,
    labs: np.ndarray,
) -> pd.DataFrame:
    """Lab results (``aid, wid, lab, time, value``) for the catalogue rows ``labs``.

    Labs are ordered as units (a panel, or a single lab for split panels), each unit with a
    base ordering probability and daily rates on the ward and in the ICU; problems add units
    (troponins in chest pain, lipase in pancreatitis). All labs of a draw share its time; units
    drawn mostly in the ICU (blood gases, ventilator settings) fall inside ICU stays, and most
    other draws happen in the early morning, as ward rounds order them.
    """
    catalogue = k.labs.loc[labs]
    unit_of = np.where(catalogue["split"], catalogue["key"], catalogue["panel"])
    units = pd.Index(pd.unique(unit_of))
    panels = k.panels.set_index("panel")
    unit_panel = [catalogue["panel"].to_numpy()[list(unit_of).index(u)] for u in units]
    p_admit = panels.loc[unit_panel, "p_admit"].to_numpy()
    ward_rate = panels.loc[unit_panel, "per_day"].to_numpy()
    icu_rate = panels.loc[unit_panel, "icu_per_day"].to_numpy()
    adm = hosp.admissions
    chosen = rng.random((len(adm), len(units))) < p_admit[None, :]
    drawn = draw(k, "panels", hosp, rng)
    position = units.get_indexer(drawn["item"])
    hit = position >= 0
    chosen[drawn["aid"].to_numpy()[hit], position[hit]] = True
    aid, unit = np.nonzero(chosen)
    icu_windows = windows_of(hosp.icustays, "uid", "intime")
    icu_days = _days(icu_windows).reindex(np.arange(len(adm))).fillna(0).to_numpy()
    days = _days(windows).reindex(np.arange(len(adm))).fillna(0).to_numpy()
    ward_days = np.maximum(days - icu_days, 0)
    rate = ward_rate[unit] * ward_days[aid] + icu_rate[unit] * np.minimum(icu_days, days)[aid]
    counts = 1 + np.minimum(rng.poisson(rate), (3 * days[aid] + 3).astype(int))
    draw_aid = np.repeat(aid, counts)
    draw_unit = np.repeat(unit, counts)
    in_icu = (icu_rate > 2 * ward_rate)[draw_unit] & (icu_days[draw_aid] > 0)
    time = np.full(len(draw_aid), np.nan)
    for mask, frame in ((in_icu, icu_windows), (~in_icu, windows)):
        kept, _, t = spread(draw_aid[mask], frame, rng)
        time[np.nonzero(mask)[0][kept]] = t
    keep = ~np.isnan(time)
    draw_aid, draw_unit, time, in_icu = draw_aid[keep], draw_unit[keep], time[keep], in_icu[keep]
    wid = window_at(windows, draw_aid, time)
    # morning rounds: most ward draws move to 04:00-06:00 of their day if still in the window
    w_start = windows.set_index("wid")["start"].reindex(wid).to_numpy()
    morning = np.floor(time / DAY) * DAY + 4 * HOUR + rng.random(len(time)) * 2 * HOUR
    move = (rng.random(len(time)) < 0.6) & ~in_icu & (morning >= w_start) & (morning < time)
    time = np.floor(np.where(move, morning, time))
    members = [np.nonzero(unit_of == u)[0] for u in units]
    sizes = np.array([len(m) for m in members])[draw_unit]
    row_draw = np.repeat(np.arange(len(draw_unit)), sizes)
    lab = np.concatenate([members[u] for u in draw_unit]) if len(draw_unit) else np.array([], int)
    out_aid = draw_aid[row_draw]
    out_time = time[row_draw]
    offset = rng.normal(0, 0.5, (len(adm), len(catalogue)))
    shift = _problem_shifts(k, hosp, "labs", labs)
    z = (
        offset[out_aid, lab]
        + shift[out_aid, lab] * _trend(hosp, out_aid, out_time)
        + rng.normal(0, 0.55, len(lab))
    )
    frame = pd.DataFrame(
        {
            "aid": out_aid,
            "wid": wid[row_draw],
            "lab": labs[lab],
            "time": out_time,
            "value": _values(catalogue.reset_index(drop=True), lab, z),
        }
    )
    return frame.sort_values(["aid", "time", "lab"], kind="stable", ignore_index=True)


def vital_signs(
    k: Knowledge,
    hosp: Hospital,
    windows: pd.DataFrame,
    rng: np.random.Generator,
    *,
    step: np.ndarray,
    vitals: np.ndarray,
) -> pd.DataFrame:
    """Charted vital signs (``wid, aid, vital, time, value``) on each window's time grid.

    Each series is an AR(1) process around the patient's level plus the problems' shifts, so
    consecutive values are close, as charted vitals are. Mean arterial pressure follows the
    systolic and diastolic pressures.
    """
    catalogue = k.vitals.loc[vitals].reset_index(drop=True)
    series = catalogue.index[catalogue["kind"] == "series"].to_numpy()
    start = np.ceil(windows["start"].to_numpy() / step) * step
    n = np.maximum(np.floor((windows["end"].to_numpy() - 1 - start) / step).astype(int) + 1, 0)
    w_index = np.repeat(np.arange(len(windows)), n)
    tick = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    time = start[w_index] + tick * step[w_index]
    aid_of_w = windows["aid"].to_numpy()
    shift = _problem_shifts(k, hosp, "vitals", vitals)
    offset = rng.normal(0, 0.6, (len(hosp.admissions), len(catalogue)))
    frames = []
    rho = 0.85
    for v in series:
        every = catalogue.loc[v, "every_h"] * HOUR
        keep = (tick % np.maximum(np.round(every / step[w_index]), 1).astype(int)) == 0
        wi, tk, tm = w_index[keep], tick[keep], time[keep]
        local = pd.Series(tk).groupby(wi).cumcount().to_numpy()
        eps = rng.normal(0, 1, len(wi)) * rho ** (-local.astype(float))
        csum = np.cumsum(eps)
        starts = np.r_[0, np.nonzero(np.diff(wi))[0] + 1]
        base = np.repeat(np.r_[0.0, csum][starts], np.diff(np.r_[starts, len(wi)]))
        ar = (csum - base) * rho ** local.astype(float) * np.sqrt(1 - rho**2)
        aid = aid_of_w[wi]
        z = offset[aid, v] + shift[aid, v] * _trend(hosp, aid, tm) + ar
        frames.append(
            pd.DataFrame(
                {
                    "wid": windows["wid"].to_numpy()[wi],
                    "aid": aid,
                    "vital": vitals[v],
                    "time": tm,
                    "value": _values(catalogue, np.full(len(wi), v), z),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    keys = dict(zip(catalogue["key"], vitals, strict=True))
    if {"sbp", "dbp", "map"} <= set(keys):
        wide = out[out["vital"].isin([keys["sbp"], keys["dbp"]])].pivot_table(
            index=["wid", "time"], columns="vital", values="value"
        )
        mean_bp = (wide[keys["sbp"]] + 2 * wide[keys["dbp"]]) / 3
        is_map = out["vital"].to_numpy() == keys["map"]
        derived = mean_bp.reindex(pd.MultiIndex.from_frame(out.loc[is_map, ["wid", "time"]]))
        noise = rng.normal(0, 2.0, is_map.sum())
        out.loc[is_map, "value"] = np.round(derived.to_numpy() + noise)
    return out.sort_values(["wid", "time", "vital"], kind="stable", ignore_index=True)


def body_size(hosp: Hospital, rng: np.random.Generator) -> pd.DataFrame:
    """Weight (kg) and height (cm) per person, by sex."""
    male = hosp.persons["male"].to_numpy()
    n = len(male)
    height = np.where(male, rng.normal(176, 7, n), rng.normal(162, 7, n))
    bmi = np.clip(rng.lognormal(np.log(27), 0.2, n), 15, 60)
    weight = bmi * (height / 100) ** 2
    newborn = hosp.persons["newborn"].to_numpy()
    height = np.where(newborn, rng.normal(50, 2, n), height)
    weight = np.where(newborn, rng.normal(3.3, 0.5, n), weight)
    return pd.DataFrame({"weight": np.round(weight, 1), "height": np.round(height, 1)})


def fluid_events(
    k: Knowledge,
    hosp: Hospital,
    windows: pd.DataFrame,
    rng: np.random.Generator,
    *,
    items: np.ndarray,
    step: float,
) -> pd.DataFrame:
    """Intake and output charting (``wid, aid, item, time, amount``) inside ICU windows."""
    drawn = draw(k, "io", hosp, rng)
    position = pd.Index(k.io["key"]).get_indexer(drawn["item"])
    drawn = drawn[np.isin(position, items)].assign(item=position[np.isin(position, items)])
    pairs = drawn[["aid", "item"]].merge(windows[["wid", "aid", "start", "end"]], on="aid")
    days = ((pairs["end"] - pairs["start"]) / DAY).to_numpy()
    counts = 1 + rng.poisson(k.io["per_day"].to_numpy()[pairs["item"].to_numpy()] * days)
    rows = pairs.loc[pairs.index.repeat(counts)].reset_index(drop=True)
    time = rows["start"] + rng.random(len(rows)) * (rows["end"] - rows["start"])
    time = np.ceil(time / step) * step
    rows["time"] = np.where(time >= rows["end"], np.floor(rows["start"] / step) * step, time)
    rows = rows[rows["time"] >= rows["start"]]
    item = rows["item"].to_numpy()
    amount = rng.lognormal(np.log(k.io["mean"].to_numpy()[item]), k.io["sigma"].to_numpy()[item])
    rows = rows.assign(amount=np.round(amount, 1))
    rows = rows.drop_duplicates(["wid", "item", "time"])
    return rows[["wid", "aid", "item", "time", "amount"]].sort_values(
        ["wid", "time", "item"], kind="stable", ignore_index=True
    )
