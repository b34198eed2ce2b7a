"""Charts drawn with matplotlib (Agg, no display): lap times, a day of laps, best laps by class, race lap chart.

Each chart comes back as a Pillow image for the PDF and the receipt printer. A :class:`Charts` keeps
its figures and redraws into them, because making a figure is most of the cost of a small chart
and a session prints one per car. One :class:`Charts` per thread (matplotlib figures are not shared).
"""

from __future__ import annotations

import functools
import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator
from PIL import Image

from laptiming.engine import Lap, LapFlag
from laptiming.spelling import spell_unprintable
from laptiming.timefmt import US_PER_SECOND, format_lap_time

INK = "#1a1a1a"
BEST = "#c0392b"
MUTED = "#9a9a9a"
RUN_COLOURS = ("#1f5fa8", "#d9822b", "#2e8b57", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d", "#b8860b")


RACE_COLOURS = tuple(matplotlib.colormaps["tab20"].colors)  # 20 colours told apart; then the dashes change
RACE_DASHES = ("-", "--", ":")


def race_line(index: int) -> tuple[tuple[float, ...], str]:
    """The colour and line style of the index-th car on a lap chart: no two of the first 60 cars alike
    (eight colours went round, so cars 2 and 6 of a grid drew the same line)."""
    return RACE_COLOURS[index % len(RACE_COLOURS)], RACE_DASHES[index // len(RACE_COLOURS) % len(RACE_DASHES)]


def _minutes_seconds(value: float, _position: int) -> str:
    minutes, seconds = divmod(value, 60)
    return f"{int(minutes)}:{seconds:04.1f}"


@dataclass(frozen=True, slots=True)
class ChartSize:
    """Width and height in inches, and the resolution the PNG is made at."""

    width_in: float
    height_in: float
    dpi: int


SLIP = ChartSize(3.4, 1.5, 130)
RECEIPT_58 = ChartSize(2.4, 1.1, 160)  # 384 dots wide: a 58 mm head
RECEIPT_80 = ChartSize(3.6, 1.4, 160)  # 576 dots wide: an 80 mm head
PAGE = ChartSize(7.0, 2.6, 100)
BARS = ChartSize(7.0, 1.8, 110)


BAR_LABEL_CHARS = 34  # a bar's label wraps at this many characters a line
BAR_BASE_IN = 0.5  # inches of a bar chart besides its bars: the time axis and the padding
BAR_PITCH_IN = 0.38  # inches per bar: room for a label of two lines


@functools.cache
def _chart_glyphs() -> frozenset[int]:
    """The characters the charts' font (matplotlib's sans-serif, DejaVu Sans) has a glyph for."""
    return frozenset(font_manager.get_font(font_manager.findfont(font_manager.FontProperties())).get_charmap())


def on_chart(text: str) -> str:
    """Text as a chart can draw it: what its font has no glyph for, or a right-to-left name, in Latin letters, as
    on the PDF pages (matplotlib drew 张伟 as two boxes, and neither orders nor joins Hebrew or Arabic)."""
    glyphs = _chart_glyphs()
    return spell_unprintable(text, lambda char: ord(char) in glyphs)


def bar_label(label: str) -> str:
    """A bar's label in lines: a new line after the class (``Performance:``), long parts wrapped."""
    label = on_chart(label)
    head, colon, rest = label.partition(": ")
    parts = [head + colon.rstrip(), rest] if colon else [label]
    return "\n".join(line for part in parts for line in textwrap.wrap(part, BAR_LABEL_CHARS) or [""])


def png_bytes(image: Image.Image) -> bytes:
    """A chart as PNG (for HTML pages and files)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _style(axes: Axes, font_size: float) -> None:
    """Small ticks, no top or right frame, light horizontal grid."""
    axes.tick_params(labelsize=font_size, length=2, pad=1.5)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="y", color="#dddddd", linewidth=0.5)
    axes.set_axisbelow(True)


class _DayArtists:
    """The kept lines of the day chart: per run a line, a best-lap star and a separator before it."""

    def __init__(self, axes: Axes, marked: Line2D) -> None:
        self.axes = axes
        self.marked = marked
        self.lines: list[Line2D] = []
        self.stars: list[Line2D] = []
        self.separators: list[Line2D] = []

    def ensure(self, runs: int) -> None:
        """Enough artists for this many runs."""
        while len(self.lines) < runs:
            colour = RUN_COLOURS[len(self.lines) % len(RUN_COLOURS)]
            (line,) = self.axes.plot([], [], "-o", color=colour, markersize=2.5, linewidth=1)
            (star,) = self.axes.plot([], [], "*", color=colour, markersize=9, markeredgecolor=INK,
                                     markeredgewidth=0.4)
            self.lines.append(line)
            self.stars.append(star)
            self.separators.append(self.axes.axvline(0, color="#cccccc", linewidth=0.6))

    def hide_from(self, index: int) -> None:
        """Empty the artists of runs this driver does not have."""
        for line, star, separator in zip(self.lines[index:], self.stars[index:], self.separators[index:]):
            line.set_data([], [])
            star.set_data([], [])
            separator.set_visible(False)


class Charts:
    """Makes charts as images, reusing one figure per size (and, for the slip chart, its lines)."""

    def __init__(self) -> None:
        self._figures: dict[tuple[str, ChartSize], tuple[Figure, Axes]] = {}
        self._lap_lines: dict[tuple[ChartSize, bool], tuple[Line2D, Line2D, Line2D]] = {}
        self._day: _DayArtists

    def _figure(self, kind: str, size: ChartSize) -> tuple[Figure, Axes, bool]:
        """The figure for this kind and size; True when it was just made."""
        key = (kind, size)
        made = key not in self._figures
        if made:
            figure = Figure(figsize=(size.width_in, size.height_in), dpi=size.dpi)
            FigureCanvasAgg(figure)
            # Fixed margins in inches instead of tight_layout: as good here, and a tenth of the time.
            bottom = 0.22 if size.height_in < 2 else 0.42
            figure.subplots_adjust(left=0.5 / size.width_in, right=1 - 0.2 / size.width_in,
                                   bottom=bottom / size.height_in, top=1 - 0.08 / size.height_in)
            self._figures[key] = (figure, figure.add_subplot())
        figure, axes = self._figures[key]
        return figure, axes, made

    def _axes(self, kind: str, size: ChartSize, font_size: float = 7.0) -> tuple[Figure, Axes]:
        """A cleared figure for charts that are drawn anew each time."""
        figure, axes, _ = self._figure(kind, size)
        axes.clear()
        _style(axes, font_size)
        return figure, axes

    @staticmethod
    def _png(figure: Figure, size: ChartSize) -> Image.Image:
        """The drawn figure as an RGB image (no PNG round trip: the PDF and the printer take pixels)."""
        canvas = figure.canvas
        canvas.draw()
        width, height = canvas.get_width_height()
        return Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")

    def lap_times(self, laps: Sequence[Lap], best_lap_no: int | None, size: ChartSize = SLIP,
                  monochrome: bool = False) -> Image.Image:
        """One car's lap times by lap number; the best lap starred, suspect and deleted laps hollow."""
        figure, axes, made = self._figure("laps-mono" if monochrome else "laps", size)
        if made:
            _style(axes, 7.0)
            colour = INK if monochrome else RUN_COLOURS[0]
            (clean_line,) = axes.plot([], [], "-o", color=colour, markersize=2.5, linewidth=1)
            (marked_line,) = axes.plot([], [], "o", markerfacecolor="white",
                                       markeredgecolor=INK if monochrome else MUTED, markersize=3.5)
            (best_line,) = axes.plot([], [], "*", color=INK if monochrome else BEST, markersize=8)
            self._lap_lines[size, monochrome] = (clean_line, marked_line, best_line)
        clean_line, marked_line, best_line = self._lap_lines[size, monochrome]
        clean = [lap for lap in laps if not lap.flags]
        marked = [lap for lap in laps if lap.flags]
        best = [lap for lap in laps if lap.lap_no == best_lap_no]
        for line, chosen in ((clean_line, clean), (marked_line, marked), (best_line, best)):
            line.set_data([lap.lap_no for lap in chosen], [lap.lap_time_us / US_PER_SECOND for lap in chosen])
        self._lap_axes(axes, [lap for lap in laps if LapFlag.SUSPECT not in lap.flags] or list(laps))
        last = max((lap.lap_no for lap in laps), default=1)
        axes.set_xlim(0.5, last + 0.5)
        return self._png(figure, size)

    @staticmethod
    def _lap_axes(axes: Axes, scale_laps: Sequence[Lap], y_ticks: int = 3) -> None:
        """m:ss ticks; the y range fits the laps that are not suspect, so one long lap does not flatten the rest."""
        axes.yaxis.set_major_formatter(FuncFormatter(_minutes_seconds))
        axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
        axes.yaxis.set_major_locator(MaxNLocator(nbins=y_ticks))
        if scale_laps:
            low = min(lap.lap_time_us for lap in scale_laps) / US_PER_SECOND
            high = max(lap.lap_time_us for lap in scale_laps) / US_PER_SECOND
            margin = max((high - low) * 0.12, 0.5)
            axes.set_ylim(low - margin, high + margin)

    def day_laps(self, runs: Sequence[tuple[str, Sequence[Lap]]], size: ChartSize = PAGE) -> Image.Image:
        """Every lap of a driver's day, run after run, one colour per run, with each run's best starred.

        The figure's lines are kept and refilled from one driver to the next (a day for every driver
        of a big event draws hundreds of these); suspect and deleted laps are hollow grey.
        """
        figure, axes, made = self._figure("day", size)
        if made:
            _style(axes, 7.0)
            axes.tick_params(axis="x", length=0)
            (marked,) = axes.plot([], [], "o", markerfacecolor="white", markeredgecolor=MUTED, markersize=3.5)
            self._day = _DayArtists(axes, marked)
        artists = self._day
        start = 1
        ticks: list[float] = []
        labels: list[str] = []
        scale: list[Lap] = []
        marked_x: list[int] = []
        marked_y: list[float] = []
        artists.ensure(len(runs))
        for index, (label, laps) in enumerate(runs):
            xs = list(range(start, start + len(laps)))
            clean = [(x, lap) for x, lap in zip(xs, laps) if not lap.flags]
            artists.lines[index].set_data([x for x, _ in clean], [lap.lap_time_us / US_PER_SECOND for _, lap in clean])
            marked_x += [x for x, lap in zip(xs, laps) if lap.flags]
            marked_y += [lap.lap_time_us / US_PER_SECOND for lap in laps if lap.flags]
            counted = [(x, lap) for x, lap in zip(xs, laps) if LapFlag.DELETED not in lap.flags]
            best = min(counted, key=lambda pair: pair[1].lap_time_us) if counted else None
            artists.stars[index].set_data([best[0]] if best else [], [best[1].lap_time_us / US_PER_SECOND] if best else [])
            artists.separators[index].set_xdata([start - 0.5] * 2)
            artists.separators[index].set_visible(bool(index and xs))
            if xs:
                ticks.append((xs[0] + xs[-1]) / 2)
                labels.append(label)
            scale += [lap for lap in laps if LapFlag.SUSPECT not in lap.flags]
            start += len(laps)
        artists.hide_from(len(runs))
        artists.marked.set_data(marked_x, marked_y)
        self._lap_axes(axes, scale, y_ticks=5)
        axes.set_xlim(0.5, max(start - 0.5, 1.5))
        axes.set_xticks(ticks, labels)
        return self._png(figure, size)

    def best_by_class(self, bars: Sequence[tuple[str, int]], size: ChartSize = PAGE) -> Image.Image:
        """Horizontal bars: the day's best lap of each class (label, µs), fastest at the top.

        A label is wrapped (after the class: ``Performance:`` over ``#18 Clara Fischer (D0017)``, a long name
        again) and matplotlib's tight layout makes the room for the widest: a fixed left margin once cut a long
        label at the image's edge. The chart grows a little taller per bar for the wrapped lines.
        """
        height = max(size.height_in, BAR_BASE_IN + BAR_PITCH_IN * len(bars))
        size = ChartSize(size.width_in, height, size.dpi)
        figure, axes = self._axes("bars", size)
        labels = [bar_label(label) for label, _ in bars][::-1]
        values = [time_us / US_PER_SECOND for _, time_us in bars][::-1]
        axes.barh(range(len(values)), values, color=RUN_COLOURS[0], height=0.6)
        axes.set_yticks(range(len(values)), labels, linespacing=1.1)
        axes.grid(axis="y", visible=False)
        axes.grid(axis="x", color="#dddddd", linewidth=0.5)
        axes.xaxis.set_major_formatter(FuncFormatter(_minutes_seconds))
        if values:
            low, high = min(values), max(values)
            axes.set_xlim(max(0.0, low - (high - low) * 0.6 - 2), high + (high - low) * 0.25 + 1.5)
        for y, (value, (_, time_us)) in enumerate(zip(values, list(bars)[::-1])):
            axes.text(value, y, f" {format_lap_time(time_us)}", va="center", fontsize=7)
        figure.tight_layout(pad=0.4)
        return self._png(figure, size)

    def race_positions(self, positions: dict[str, list[int]], cars: int, size: ChartSize = PAGE) -> Image.Image:
        """Lap chart: each car's position at the end of each lap (number -> positions by lap)."""
        figure, axes = self._axes("page", size)
        for index, (number, by_lap) in enumerate(positions.items()):
            xs = list(range(1, len(by_lap) + 1))
            colour, dashes = race_line(index)
            axes.plot(xs, by_lap, dashes, color=colour, linewidth=1)
            if by_lap:  # the number at both ends: a line is found from where it starts or where it ends
                axes.text(xs[-1] + 0.1, by_lap[-1], number, fontsize=6, va="center", color=colour)
                axes.text(0.9, by_lap[0], number, fontsize=6, va="center", ha="right", color=colour)
        laps = max((len(by_lap) for by_lap in positions.values()), default=1)
        axes.set_xlim(0.2, laps + 0.8)  # room for the numbers at both ends
        axes.set_ylim(cars + 0.5, 0.5)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel("lap", fontsize=7)
        axes.set_ylabel("position", fontsize=7)
        return self._png(figure, size)
