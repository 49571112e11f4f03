"""Small helpers the three emitters share: timestamps, ids, case, ICD formats, the cost table."""

from __future__ import annotations

import numpy as np
import pandas as pd


def timestamps(values: np.ndarray | pd.Series) -> np.ndarray:
    """Epoch seconds -> ``'YYYY-MM-DD HH:MM:00'`` strings (NaN -> None), floored to the minute."""
    s = np.asarray(values, dtype=float)
    out = np.full(len(s), None, dtype=object)
    ok = ~np.isnan(s)
    minutes = (np.floor(s[ok] / 60.0) * 60).astype(np.int64).astype("datetime64[s]")
    text = np.datetime_as_string(minutes, unit="s").astype("U19")
    text.view(np.uint32).reshape(-1, 19)[:, 10] = ord(" ")  # 'T' -> ' ' in place
    out[ok] = text
    return out


def midnight(values: np.ndarray | pd.Series) -> np.ndarray:
    """Epoch seconds floored to the start of their day (MIMIC prescription dates)."""
    s = np.asarray(values, dtype=float)
    return np.floor(s / 86_400.0) * 86_400.0


def unique_ids(rng: np.random.Generator, low: int, high: int, n: int) -> np.ndarray:
    """``n`` distinct random integers in ``[low, high)``."""
    return rng.choice(np.arange(low, high), size=n, replace=False)


def lower(values: np.ndarray | pd.Series) -> np.ndarray:
    """Lower-case strings (EHRSQL lower-cased every string), keeping None."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    lowered = np.array([str(u).lower() for u in uniques] + [None], dtype=object)
    return lowered[codes]


def icd9_dotted(code: str) -> str:
    """``'41071'`` -> ``'410.71'``, ``'V5867'`` -> ``'V58.67'``, ``'E8889'`` -> ``'E888.9'``."""
    head = 4 if code.startswith("E") else 3
    return code if len(code) <= head else f"{code[:head]}.{code[head:]}"


def icd10_dotted(code: str) -> str:
    """``'I214'`` -> ``'I21.4'``."""
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def cost_table(rng: np.random.Generator, events: list[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """EHRSQL's synthetic COST table: one row per billable event, a constant cost per item.

    Each event type gets a mean cost drawn from Poisson(10); each distinct item of that type a
    cost drawn from N(mean, 1), rounded to cents (as EHRSQL's preprocessing does). Every frame
    in ``events`` has ``item, event_id, chargetime`` plus the id columns to carry over.
    """
    means = rng.poisson(10, size=len(events))
    parts = []
    for (event_type, frame), mean in zip(events, means, strict=True):
        items = np.sort(frame["item"].astype(str).unique())
        price = dict(zip(items, np.round(rng.normal(mean, 1.0, len(items)), 2), strict=True))
        part = frame.drop(columns="item").assign(
            event_type=event_type, cost=frame["item"].astype(str).map(price).to_numpy()
        )
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    table.insert(0, "row_id", np.arange(len(table)))
    return table
