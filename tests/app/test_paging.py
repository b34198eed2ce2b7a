"""The board's page arithmetic: which positions a page holds, the next page, and a page re-fitted to a new size."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from laptiming.app.paging import Page, even_page_size, rows_that_fit


@pytest.mark.parametrize(("height", "header", "row_height", "fits"), [
    (25, 1, 2, 12),  # the board at 30 lines: 5 for its header, 1 for the table's
    (26, 1, 2, 12),  # half a row does not count
    (27, 1, 2, 13),
    (31, 1, 1, 30),
    (2, 1, 2, 1),  # never less than one row, so a page is never empty
    (0, 1, 2, 1),
])
def test_rows_that_fit(height: int, header: int, row_height: int, fits: int) -> None:
    assert rows_that_fit(height, header, row_height) == fits


def test_a_row_is_at_least_one_line() -> None:
    with pytest.raises(ValueError, match="at least one line"):
        rows_that_fit(25, 1, 0)


@pytest.mark.parametrize(("fits", "total", "size"), [
    (12, 25, 9),  # three pages of 9, 9 and 7, not 12, 12 and one car alone
    (17, 25, 13),  # two: 13 and 12
    (7, 25, 7),  # four: 7, 7, 7 and 4
    (12, 12, 12), (12, 5, 12), (12, 0, 12),  # the field fits: one page
    (12, 13, 7),
    (0, 3, 1),  # no room: a row a page
])
def test_the_field_is_shared_evenly_over_the_pages_it_takes(fits: int, total: int, size: int) -> None:
    assert even_page_size(fits, total) == size


@given(fits=st.integers(1, 40), total=st.integers(0, 200))
def test_even_pages_are_as_many_as_the_rows_that_fit_need_and_never_larger(fits: int, total: int) -> None:
    size = even_page_size(fits, total)
    assert 1 <= size <= fits
    assert Page(0, size, total).count == max(1, -(-total // fits))
    if total > fits:  # paged: the last page is short by less than one row per page
        last = Page(Page(0, size, total).count - 1, size, total)
        assert last.stop - last.first >= size - last.count + 1


@pytest.mark.parametrize(("number", "first", "stop", "label"), [
    (0, 0, 12, "positions 1-12 of 25 (page 1/3)"),
    (1, 12, 24, "positions 13-24 of 25 (page 2/3)"),
    (2, 24, 25, "position 25 of 25 (page 3/3)"),  # the last page may be short
])
def test_the_pages_of_a_field(number: int, first: int, stop: int, label: str) -> None:
    page = Page(number, 12, 25)
    assert (page.count, page.paged, page.first, page.stop, page.label()) == (3, True, first, stop, label)


def test_next_goes_round_the_field() -> None:
    page = Page(0, 12, 25)
    assert [page.next().number, page.next().next().number, page.next().next().next().number] == [1, 2, 0]


@pytest.mark.parametrize("total", [0, 1, 12])
def test_a_field_that_fits_is_one_page_and_says_nothing(total: int) -> None:
    page = Page(0, 12, total)
    assert (page.count, page.paged, page.label(), page.next()) == (1, False, "", page)
    assert (page.first, page.stop) == (0, total)


@pytest.mark.parametrize(("row", "size", "total", "number"), [
    (12, 12, 25, 1),  # same size, same field: the same page
    (12, 7, 25, 1),  # a smaller screen: the page that holds the same first position (8-14)
    (12, 17, 25, 0),  # a bigger one: 1-17 holds it
    (24, 12, 20, 1),  # the field got shorter: its last page
    (24, 12, 0, 0),  # no field left
    (0, 0, 5, 0),  # a table with no room still shows a row a page
])
def test_the_page_holding_a_row(row: int, size: int, total: int, number: int) -> None:
    assert Page.holding(row, size, total).number == number


@pytest.mark.parametrize(("number", "size", "total"), [(3, 12, 25), (-1, 12, 25), (0, 0, 25), (1, 12, 0)])
def test_no_such_page(number: int, size: int, total: int) -> None:
    with pytest.raises(ValueError, match="no page"):
        Page(number, size, total)


@given(size=st.integers(1, 40), total=st.integers(0, 200))
def test_going_round_shows_every_position_once(size: int, total: int) -> None:
    page = Page(0, size, total)
    shown: list[int] = []
    for _ in range(page.count):
        assert 0 < page.stop - page.first <= size or total == 0
        shown.extend(range(page.first, page.stop))
        page = page.next()
    assert shown == list(range(total))
    assert page.number == 0  # and back to the top
