"""A table of rows with a row cursor whose Home and End move the selection, as on Live's standings."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable


class RowTable(DataTable):
    """A DataTable picked by row: Home and End select the first and the last row.

    A DataTable's Home and End scroll to the left and right edge, which for a row cursor showed the top of the list
    and left the selection where it was, off screen: a key acting on the selection (x on Passings) then took a row
    the official could not see.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("home", "scroll_top", "First", show=False),
                                              Binding("end", "scroll_bottom", "Last", show=False)]
