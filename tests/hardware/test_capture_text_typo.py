"""A text capture with a typo on its first line is a text capture with a bad line, never raw P3 binary."""

from __future__ import annotations

from tests.timing.cli_runner import run_cli


def typo_on_line_one(captures, tmp_path):
    """amb-short.out (hex text, one frame a line) with ``zz`` for two hex digits of its first line."""
    lines = (captures / "p3" / "vmindru-ambp3client" / "amb-short.out").read_text().splitlines(keepends=True)
    lines[0] = lines[0][:8] + "zz" + lines[0][10:]
    bad = tmp_path / "bad1.out"
    bad.write_text("".join(lines))
    return bad


def test_listen_names_the_bad_first_line(captures, tmp_path):
    bad = typo_on_line_one(captures, tmp_path)
    result = run_cli("decoder", "listen", f"file://{bad}")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [f"laptiming: {bad}:1: not a line of hex bytes ('z' at column 9)"]


def test_record_and_replay_name_it_and_write_nothing(captures, tmp_path):
    bad = typo_on_line_one(captures, tmp_path)
    db = tmp_path / "n.db"
    for args in (("record", f"file://{bad}", "--db", db, "--session", "S"), ("replay", bad, "--db", db)):
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stdout)
        assert result.stderr.strip().splitlines() == [f"laptiming: {bad}:1: not a line of hex bytes ('z' at column 9)"]
        assert not db.exists()


def test_a_text_file_of_neither_form_is_not_read_as_binary(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("passings from saturday\nsee the other file\n")
    result = run_cli("decoder", "listen", f"file://{notes}")
    assert result.returncode == 2 and f"{notes}:1: not a line of hex bytes" in result.stderr
