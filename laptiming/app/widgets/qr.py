"""The page's address as a QR code for a terminal: segno makes the matrix, Unicode half blocks draw it.

One text row holds two rows of modules: ``▀`` dark above, ``▄`` dark below, ``█`` both, a space
neither. Drawn dark on light (a scanner needs that, whatever the terminal's colours).
"""

from __future__ import annotations

import segno

QUIET_ZONE = 2  # light modules around the code: enough for phone cameras, and terminal rows are few
HALF_BLOCKS = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code of ``text`` as rows of modules (True: dark), the quiet zone included."""
    code = segno.make(text, error="m", micro=False)
    return [[bool(module) for module in row] for row in code.matrix_iter(scale=1, border=QUIET_ZONE)]


def half_block_lines(matrix: list[list[bool]]) -> list[str]:
    """Two module rows per line of text (an odd last row is paired with a light one)."""
    rows = matrix + ([[False] * len(matrix[0])] if len(matrix) % 2 else [])
    return ["".join(HALF_BLOCKS[top, bottom] for top, bottom in zip(rows[i], rows[i + 1], strict=True))
            for i in range(0, len(rows), 2)]
