"""A race's lap chart tells every car's line apart."""

from __future__ import annotations

from laptiming.printouts.charts import race_line


def test_no_two_of_sixty_cars_draw_the_same_line():
    """Eight colours went round before, so cars 1 and 9 of a grid (2 and 6 of the sample race's order) drew the
    same line; 20 colours, then another dash pattern."""
    lines = [race_line(index) for index in range(60)]
    assert len(set(lines)) == 60
    assert len({colour for colour, _ in lines[:20]}) == 20
