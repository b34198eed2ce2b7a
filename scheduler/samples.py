"""A deterministic generator of realistic track-day events (entries CSV + plan TOML).

Used for ``sample_data/`` and by the benchmark. The same size, days and seed always give the
same files. Run ``python -m scheduler.samples --drivers 220 --out sample_data``.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from scheduler.model import ENTRY_COLUMNS, TIME_FORMAT, Skill
from scheduler.output import write_csv

FIRST_NAMES = (
    "Alex", "Sam", "Jo", "Chris", "Pat", "Robin", "Kim", "Lee", "Max", "Nico", "Ana", "Ben",
    "Clara", "Dev", "Eva", "Finn", "Gus", "Hana", "Ivo", "Jana", "Kai", "Lena", "Mia", "Noor",
    "Omar", "Pia", "Quinn", "Rosa", "Tom", "Uma", "Vic", "Wes", "Xia", "Yann", "Zoe",
)
SURNAMES = (
    "Archer", "Baker", "Carter", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ito",
    "Jensen", "Keller", "Lopez", "Martin", "Novak", "Olsen", "Petit", "Quist", "Rossi",
    "Schmidt", "Turner", "Usman", "Vogel", "Walsh", "Young", "Zimmer",
)
CLUBS = ("Mini Owners", "Lotus Seven", "MX-5 North", "Caterham Co", "Hot Hatch", "GT Friends",
         "Classic Saloons", "Boxster Set", "Track Rats", "Volt Club")
CLASSES = ("Standard", "Performance", "Classic")
ELECTRIC = "Electric"


@dataclass(frozen=True, slots=True)
class EventSize:
    """How big an event to generate and on how many days."""

    drivers: int
    days: int = 1
    capacity: int = 25
    seed: int = 4
    runs: int = 3
    one_day_share: float = 0.4  # on events of several days, drivers who come for one day only


def hard_event(drivers: int = 700, seed: int = 4, capacity: int = 35) -> EventSize:
    """The hard two-day family: 35 cars a session, two runs, a quarter of drivers on one day.

    Smaller members keep the seats-to-runs ratio with a smaller ``capacity`` (200 drivers at 10).
    """
    return EventSize(drivers=drivers, days=2, capacity=capacity, seed=seed, runs=2, one_day_share=0.25)


def plan_toml(size: EventSize) -> str:
    """The plan file's text: the issue's track day, repeated over ``size.days`` days."""
    first = date(2026, 6, 13)
    days = "".join(
        f'\n[[days]]\ndate = "{first + timedelta(days=i)}"\nstart = "08:00"\nend = "18:30"\n'
        f'breaks = [["12:00", "13:00"]]\n' for i in range(size.days))
    return (
        f'[event]\nname = "Club track day {first}"\n{days}\n'
        f"[sessions]\nlength_minutes = 15\nchangeover_minutes = 5\ncapacity = {size.capacity}\n"
        "shared_car_back_to_back = false\n\n"
        f"[drivers]\nruns = {size.runs}\nmin_rest_minutes = 40\n\n"
        '[rules]\nnever_together = [["novice", "advanced"]]\nseparate_classes = ["Electric"]\n'
    )


def _window(rng: random.Random, days: int, one_day_share: float) -> tuple[str, str, str]:
    """available_from, available_until and runs override for one driver (blank = default)."""
    first = date(2026, 6, 13)

    def at(day: int, hour: int) -> str:
        return datetime.combine(first + timedelta(days=day), time(hour)).strftime(TIME_FORMAT)

    roll = rng.random()
    if days > 1 and roll < one_day_share:
        day = rng.randrange(days)
        return at(day, 8), at(day, 19), "2"
    roll = rng.random()
    day = rng.randrange(days)
    if roll < 0.10:
        return "", at(day, 12), "2"               # morning only
    if roll < 0.20:
        return at(day, 13), "", "2"               # afternoon only
    if roll < 0.27:
        return at(day, 10), "", ""                # arrives late
    if roll < 0.33:
        return "", at(days - 1, 16), ""           # leaves early
    if roll < 0.45:
        return "", "", "2"                        # asked for fewer runs
    return "", "", ""


def _skill(rng: random.Random, lean: str) -> str:
    """A skill; clubs lean slow (novice/intermediate) or fast (intermediate/advanced)."""
    if lean == "slow":
        return rng.choice((Skill.NOVICE, Skill.NOVICE, Skill.INTERMEDIATE)).value
    if lean == "fast":
        return rng.choice((Skill.INTERMEDIATE, Skill.ADVANCED, Skill.ADVANCED)).value
    roll = rng.random()
    if roll < 0.02:
        return ""
    return (Skill.NOVICE if roll < 0.32 else Skill.INTERMEDIATE if roll < 0.72 else Skill.ADVANCED).value


def entry_rows(size: EventSize) -> list[list[str]]:
    """The entries as CSV rows in :data:`ENTRY_COLUMNS` order (header not included)."""
    rng = random.Random(size.seed)
    rows: list[list[str]] = []
    car_count = 0
    group_count = 0
    while len(rows) < size.drivers:
        kind = rng.random()
        members = 1
        group = ""
        lean = "any"
        if kind < 0.12:
            members = min(rng.randint(2, 5), size.drivers - len(rows))
            group_count += 1
            group = f"{rng.choice(CLUBS)} {group_count}"
            lean = rng.choice(("slow", "fast"))
        electric = rng.random() < 0.07
        car_class = ELECTRIC if electric else rng.choice(CLASSES)
        if electric:
            lean = "fast"  # the few electric cars are mostly driven by regulars
        from_, until, runs = _window(rng, size.days, size.one_day_share)
        shared_car: list[str] | None = None
        for _ in range(members):
            if len(rows) >= size.drivers:
                break
            if shared_car is not None and rng.random() < 0.7:
                car_id, number, transponder = shared_car
                shared_car = None
            else:
                car_count += 1
                car_id = f"C{car_count:04d}"
                number = str(car_count + 1)
                transponder = str(3_100_000 + car_count * 37)
                shared_car = [car_id, number, transponder] if rng.random() < 0.08 and not electric else None
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
            driver_id = f"D{len(rows) + 1:04d}"
            if members == 1 or rng.random() < 0.25:
                from_, until, runs = _window(rng, size.days, size.one_day_share)
            rows.append([driver_id, name, car_id, number, transponder, car_class,
                         _skill(rng, lean), group, from_, until, runs])
            if shared_car is not None and members == 1 and len(rows) < size.drivers:
                # A car shared with a partner outside any group.
                from_, until, runs = _window(rng, size.days, size.one_day_share)
                name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
                rows.append([f"D{len(rows) + 1:04d}", name, shared_car[0], shared_car[1], shared_car[2],
                             car_class, _skill(rng, lean), "", from_, until, runs])
                shared_car = None
    return rows


def write_event(size: EventSize, directory: Path) -> tuple[Path, Path]:
    """Write ``entries.csv`` and ``plan.toml`` for ``size`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    entries, plan = directory / "entries.csv", directory / "plan.toml"
    write_csv(entries, ENTRY_COLUMNS, entry_rows(size))
    plan.write_text(plan_toml(size), encoding="utf-8")
    return entries, plan


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write one generated event."""
    parser = argparse.ArgumentParser(description="Generate a realistic track-day event.")
    parser.add_argument("--drivers", type=int, default=220)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--capacity", type=int, default=25)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--hard", action="store_true",
                        help="the hard two-day family (35 cars, two runs, a quarter on one day only)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    size = hard_event(args.drivers, args.seed) if args.hard else \
        EventSize(args.drivers, args.days, args.capacity, args.seed)
    entries, plan = write_event(size, args.out)
    print(f"wrote {entries} and {plan}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
