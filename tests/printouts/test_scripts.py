"""Names in scripts the PDF font cannot draw as typed: spelt in Latin letters on every printout, the rest as typed.

DejaVu Sans has no Chinese, Japanese, Korean, Devanagari or Thai letters (they printed as boxes), and reportlab
drew Hebrew and Arabic left to right, Arabic unjoined (reversed, garbage to a reader)."""

from __future__ import annotations

import csv
import re
import warnings
from pathlib import Path

from reportlab.lib.pagesizes import A6
from reportlab.pdfbase import pdfmetrics

from laptiming.printouts.charts import BARS, Charts
from laptiming.printouts.pdfkit import FONT, Paragraph, build_pdf, register_fonts, styles
from laptiming.store import open_event_db, write_transaction
from scheduler.roster import ROSTER_COLUMNS
from tests.printouts.conftest import RACE_SESSION
from tests.printouts.helpers import overlapping_words, pdftotext, run

AS_TYPED = {"2": "Chloé Ångström-Łukasz", "3": "Ζωή Παπαδοπούλου", "4": "Дмитрий Иванов"}
SPELT = {"5": ("张伟", "Zhang Wei"), "6": ("佐藤 さとう", "Zuo Teng Satou"), "7": ("김민준", "Gim Min Jun"),
         "8": ("محمد علي", "Mhmd `ly"), "9": ("דוד כהן", "Dvd Khhn"), "10": ("अमित शर्मा", "Amit Srma"),
         "11": ("สมชาย ใจดี", "Smchay Aichdi")}
LONG_CJK_CLASS = ("东京都自动车俱乐部历史房车组", "Dong Jing Dou Zi Dong Che Ju Le Bu Li Shi Fang Che Zu")
NOT_LATIN = re.compile(r"[\u0590-\u08ff\u0900-\u0e7f\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")


def _rename(db: Path) -> None:
    """The race's drivers of cars 2 to 11 renamed in many scripts, car 5 in a long class named in Chinese."""
    names = {**AS_TYPED, **{number: typed for number, (typed, _) in SPELT.items()}}
    handle = open_event_db(db)
    with write_transaction(handle):
        for number, name in names.items():
            handle.execute("UPDATE drivers SET name = ? WHERE id IN (SELECT e.driver_id FROM session_entries e "
                           "JOIN cars c ON c.id = e.car_id WHERE c.number = ? AND e.session_id = ?)",
                           [name, number, RACE_SESSION])
        handle.execute("UPDATE cars SET car_class = ? WHERE number = '5'", [LONG_CJK_CLASS[0]])
    handle.close()


def _check(path: Path, names: list[str]) -> str:
    """The PDF's text has ``names`` (words may wrap onto the next line), no letter of a script it cannot draw, and
    no word drawn over another."""
    text = pdftotext(path)
    words = " ".join(text.split())
    for name in names:
        assert name in words, (path.name, name)
    assert NOT_LATIN.findall(text) == [], path.name
    assert overlapping_words(path) == [], path.name
    return words


def test_every_pdf_printout_spells_what_its_font_cannot_draw_and_keeps_the_rest_as_typed(capsys, day_copy: Path,
                                                                                          tmp_path: Path) -> None:
    _rename(day_copy)
    everyone = [*AS_TYPED.values(), *(spelt for _, spelt in SPELT.values())]
    printouts = {
        "slips.pdf": ("slip", "--session", str(RACE_SESSION)),
        "race.pdf": ("results", "--session", str(RACE_SESSION), "--laps"),
        "board.pdf": ("leaderboard", "--top", "40"),
    }
    for name, args in printouts.items():
        out = tmp_path / name
        code, _, err = run(capsys, "print", args[0], "--db", str(day_copy), *args[1:], "--pdf", str(out))
        assert code == 0, err
        words = _check(out, everyone)
        assert " ".join(LONG_CJK_CLASS[1].split()[:3]) in words, name  # a class too: every text is spelt alike
    for number, (typed, spelt) in [("5", SPELT["5"]), ("9", SPELT["9"]), ("3", (AS_TYPED["3"],) * 2)]:
        out = tmp_path / f"day-{number}.pdf"
        code, _, err = run(capsys, "print", "day", "--db", str(day_copy), "--driver", typed, "--pdf", str(out))
        assert code == 0, err
        assert f"{spelt} - your day" in _check(out, [spelt])


def test_roster_sheets_spell_what_their_font_cannot_draw(capsys, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    names = [*AS_TYPED.values(), *(typed for typed, _ in SPELT.values())]
    with roster.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ROSTER_COLUMNS)
        writer.writerows(("1", "2026-06-13 08:00", "2026-06-13 08:15", f"D{n:04d}", name, f"C{n:04d}", str(n),
                          str(3100000 + n), "Standard", "novice", "") for n, name in enumerate(names, start=1))
    spelt = {typed: shown for typed, shown in SPELT.values()}
    for by in ("session", "driver"):
        out = tmp_path / f"{by}.pdf"
        assert run(capsys, "print", "roster", "--roster", str(roster), "--by", by, "--pdf", str(out))[0] == 0
        words = _check(out, [*AS_TYPED.values(), *spelt.values()])
        if by == "driver":
            assert all(f"{spelt.get(name, name)} (D{n:04d})" in words for n, name in enumerate(names, start=1))


def test_the_pdf_font_spells_by_its_own_glyphs_and_keeps_accents_greek_and_cyrillic() -> None:
    register_fonts()
    on_paper = pdfmetrics.getFont(FONT).on_paper
    for typed in ("Chloé Ångström-Łukasz", "Ζωή Παπαδοπούλου", "Дмитрий Иванов", "Bjørn Ødegård", "Zoë"):
        assert on_paper(typed) == typed
    assert on_paper("Zoe\u0308") == "Zoë"  # an accent typed as a separate mark, on its letter
    assert on_paper("Chloé 张伟 (D0017)") == "Chloé Zhang Wei (D0017)"
    assert on_paper("مُحَمَّد") == "Muhamad"  # the vowel signs on spelt letters spelt with them
    assert on_paper("\u200fדוד\u200e") == "Dvd"  # direction marks steer nothing on paper


def test_the_leaderboard_chart_spells_names_its_font_cannot_draw() -> None:
    """matplotlib drew 张伟 on the chart of class bests as two boxes (warning 'Glyph ... missing')."""
    bars = [("Standard: #5 张伟", 86_736_000), ("Classic: #9 דוד כהן", 87_000_000), ("Historic: #3 Ζωή", 88_000_000)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Charts().best_by_class(bars, BARS)
    assert [str(w.message) for w in caught if "missing from font" in str(w.message)] == []


def test_a_paragraph_longer_than_a_page_runs_onto_the_next(tmp_path: Path) -> None:
    """reportlab splits such a paragraph into two made without text; the spelling must let them be."""
    out = tmp_path / "long.pdf"
    out.write_bytes(build_pdf([Paragraph(" ".join(["张伟 Zhang"] * 400), styles()["body"])], A6, "张伟", "long"))
    pages = pdftotext(out).split("\f")
    assert len([page for page in pages if "Zhang Wei Zhang" in page]) > 1
    assert NOT_LATIN.findall("".join(pages)) == []
