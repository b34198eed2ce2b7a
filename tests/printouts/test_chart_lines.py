"""A race's lap chart tells every car's line apart."""

from __future__ import annotations

import numpy

from laptiming.printouts.charts import BARS, Charts, ChartSize, race_line


def test_no_two_of_sixty_cars_draw_the_same_line():
    """Eight colours went round before, so cars 1 and 9 of a grid (2 and 6 of the sample race's order) drew the
    same line; 20 colours, then another dash pattern."""
    lines = [race_line(index) for index in range(60)]
    assert len(set(lines)) == 60
    assert len({colour for colour, _ in lines[:20]}) == 20


def test_the_leaderboards_bar_labels_fit_inside_the_chart():
    """A fixed left margin cut a long label at the image's edge ("Performance: #18 Clara Fischer (D0017)" on a
    narrower chart, a long class and name on this one): labels wrap and the layout makes room for them."""
    bars = [("Standard: #2 Lena Berger", 86_736_000),
            ("Performance: #18 Clara Fischer (D0017)", 89_989_000),
            ("Historic Touring Cars before 1975: #42 Maximilian-Aurélien Østergaard-Wittelsbach (D0042)", 91_000_000)]
    for size in (BARS, ChartSize(4.5, BARS.height_in, BARS.dpi)):
        image = Charts().best_by_class(bars, size)
        assert image.width == round(size.width_in * size.dpi)  # as wide as asked: the page's width
        ink = numpy.asarray(image.convert("L")) < 160
        assert not ink[:, :3].any()  # nothing drawn up to the edge: a label cut there leaves ink in the first columns
        assert ink[:, : image.width // 4].any()  # the labels are there
