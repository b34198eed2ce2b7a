"""The session results sheet as files for other programs and screens: CSV, XLSX (pandas + openpyxl) and HTML."""

from __future__ import annotations

import csv
import io
from html import escape

import pandas as pd

from laptiming.printouts.results_table import ResultLine, ResultsSheet, lap_cell, status_line
from laptiming.printouts.text import PHONE_VIEWPORT, printed_at

CSV_HEADER = ("position", "number", "driver", "class", "laps", "best_lap", "best_lap_no", "best_lap_us",
              "total_time", "total_time_us", "gap", "interval", "penalty", "status", "reason")
_WHOLE_NUMBERS = ("position", "laps", "best_lap_us", "total_time_us")


def _record(line: ResultLine) -> dict[str, object]:
    return {
        "position": line.position, "number": line.number, "driver": line.driver, "class": line.car_class,
        "laps": line.laps, "best_lap": line.best_lap, "best_lap_no": line.best_lap_no,
        "best_lap_us": line.best_lap_us, "total_time": line.total_time, "total_time_us": line.total_time_us,
        "gap": line.gap, "interval": line.interval, "penalty": line.penalty, "status": line.status,
        "reason": line.reason,
    }


def results_csv(sheet: ResultsSheet) -> str:
    """Every car, classified first, one row each (times as printed and in µs)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_HEADER, lineterminator="\n")
    writer.writeheader()
    for line in sheet.classified + sheet.not_classified:
        writer.writerow({key: "" if value is None else value for key, value in _record(line).items()})
    return buffer.getvalue()


def laps_frame(sheet: ResultsSheet) -> pd.DataFrame:
    """Lap by lap: one row per lap, one column per car (in finishing order)."""
    columns = {f"#{number}": pd.Series([lap_cell(lap) for lap in laps], dtype="object")
               for number, laps in sheet.laps_by_car.items() if laps}
    frame = pd.DataFrame(columns)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="lap")
    return frame


def results_xlsx(sheet: ResultsSheet) -> bytes:
    """A workbook: Results (every car), Session (the header, fastest lap, rule, corrections), Laps."""
    results = pd.DataFrame([_record(line) for line in sheet.classified + sheet.not_classified], columns=CSV_HEADER)
    # whole numbers stay whole where a cell is empty (no position for DNF, DNS, DSQ; no best lap), not 12.0
    results = results.astype({column: "Int64" for column in _WHOLE_NUMBERS})
    facts = sheet.header_facts() + [("Fastest lap", sheet.fastest_lap), ("Order", sheet.rule)]
    facts += [("Correction", text) for text in sheet.corrections]
    session = pd.DataFrame(facts, columns=["field", "value"])
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        results.to_excel(writer, sheet_name="Results", index=False)
        session.to_excel(writer, sheet_name="Session", index=False)
        laps_frame(sheet).to_excel(writer, sheet_name="Laps")
        for name, widths in (("Results", (9, 8, 24, 14, 6, 11, 11, 12, 12, 14, 11, 11, 9, 10, 20)),
                             ("Session", (14, 90))):
            worksheet = writer.sheets[name]
            for index, width in enumerate(widths):
                worksheet.column_dimensions[chr(ord("A") + index)].width = width
            worksheet.freeze_panes = "A2"
    return buffer.getvalue()


_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#1a1a1a}
table{border-collapse:collapse;margin:.4em 0 1em}
th,td{padding:.15em .6em;border-bottom:1px solid #ccc;text-align:left}
th{border-bottom:2px solid #000}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:nth-child(even){background:#f1f1f1}
dl{display:grid;grid-template-columns:max-content auto;gap:.1em 1em}
dt{color:#555}dd{margin:0;font-weight:600}
.state{font-weight:700}
@media (max-width:40em){body{margin:.6em}table{display:block;overflow-x:auto}}
"""
_NUMERIC = {"Pos", "No", "In class", "Laps", "Best lap", "Lap", "Total time", "Gap", "Interval"}


def _table(headers: list[str], rows: list[list[str]], table_id: str) -> str:
    head = "".join(f'<th{" class=n" if name in _NUMERIC else ""}>{escape(name)}</th>' for name in headers)
    body = "".join(
        "<tr>" + "".join(f'<td{" class=n" if headers[i] in _NUMERIC else ""}>{escape(cell)}</td>'
                         for i, cell in enumerate(row)) + "</tr>"
        for row in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def results_html(sheet: ResultsSheet, with_laps: bool = False) -> str:
    """A self-contained HTML page (no scripts, no external files) for a screen or the club's website."""
    facts = "".join(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in sheet.header_facts())
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', PHONE_VIEWPORT,
        f"<title>{escape(sheet.event)} - {escape(sheet.session)} results</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(sheet.session)} - results</h1>", f"<dl>{facts}</dl>",
        "<h2>Classified</h2>",
        _table(list(sheet.columns), [line.cells(sheet.race) for line in sheet.classified], "classified"),
    ]
    if sheet.not_classified:
        parts += ["<h2>Not classified</h2>",
                  _table(["No", "Driver", "Class", "Laps", "Status"],
                         [[line.number, line.driver, line.car_class, str(line.laps), status_line(line)]
                          for line in sheet.not_classified], "not-classified")]
    parts.append(f'<p id="fastest-lap"><b>Fastest lap:</b> {escape(sheet.fastest_lap or "none")}</p>')
    items = [f"#{line.number} {line.driver}: {line.penalty} s time penalty"
             for line in sheet.classified + sheet.not_classified if line.penalty] + list(sheet.corrections)
    parts += ["<h2>Penalties and corrections applied</h2>",
              '<ul id="corrections">' + "".join(f"<li>{escape(text)}</li>" for text in items or ["none"]) + "</ul>",
              f'<p id="order"><b>Order:</b> {escape(sheet.rule)}</p>']
    if with_laps:
        frame = laps_frame(sheet)
        parts += ["<h2>Lap by lap</h2>",
                  _table(["Lap", *frame.columns], [[str(index), *(value if isinstance(value, str) else "" for value in row)]
                                                   for index, row in zip(frame.index, frame.itertuples(index=False))],
                         "laps")]
    parts += [f'<p class="state">{escape(sheet.state)} - printed {escape(printed_at())}</p>', "</body></html>"]
    return "\n".join(parts) + "\n"


