"""Lap statistics with pandas: average, spread (consistency), improvement between runs.

Only laps with a clean time count for the statistics: a deleted lap has no valid time and a
suspect lap (a likely missed loop read) is two laps' worth, so both would distort them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from laptiming.engine import Lap, LapFlag


@dataclass(frozen=True, slots=True)
class LapStats:
    """A car's laps in numbers; times in integer µs (None when there is no clean lap)."""

    laps: int
    clean_laps: int
    best_us: int | None
    best_lap_no: int | None
    average_us: int | None
    spread_us: int | None  # standard deviation of the clean laps: small is consistent
    consistency_pct: float | None  # average within this % of the best: 100 is metronomic


def lap_frame(laps: Sequence[Lap]) -> pd.DataFrame:
    """One row per lap: lap number, time, and whether its time is clean."""
    return pd.DataFrame(
        {
            "lap_no": np.fromiter((lap.lap_no for lap in laps), dtype=np.int64, count=len(laps)),
            "lap_time_us": np.fromiter((lap.lap_time_us for lap in laps), dtype=np.int64, count=len(laps)),
            "clean": np.fromiter((not lap.flags for lap in laps), dtype=bool, count=len(laps)),
            "counts_for_best": np.fromiter(
                (LapFlag.DELETED not in lap.flags for lap in laps), dtype=bool, count=len(laps)
            ),
        }
    )


def lap_stats(laps: Sequence[Lap]) -> LapStats:
    """Statistics of one car's laps in one session."""
    frame = lap_frame(laps)
    for_best = frame[frame["counts_for_best"]]
    clean = frame[frame["clean"]]["lap_time_us"]
    best_us = best_no = None
    if not for_best.empty:
        best_row = for_best.loc[for_best["lap_time_us"].idxmin()]
        best_us, best_no = int(best_row["lap_time_us"]), int(best_row["lap_no"])
    average = int(clean.mean()) if not clean.empty else None
    spread = int(clean.std(ddof=0)) if len(clean) > 1 else None
    consistency = None
    if average and best_us:
        consistency = round(100.0 * best_us / average, 1)
    return LapStats(len(frame), len(clean), best_us, best_no, average, spread, consistency)


def improvements(bests_us: Sequence[int | None]) -> list[int | None]:
    """Per run, how much faster its best lap was than the previous run's best (µs; negative is slower)."""
    series = pd.Series([np.nan if b is None else float(b) for b in bests_us], dtype="float64")
    before = series.ffill().shift(1)
    gained = before - series
    return [None if np.isnan(value) else int(value) for value in gained]
