"""`klientportal payroll tabelltrekk`: JSON lines in, the same lines with the withholding out."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from infra.cli import main as cli_main
from klientportal.payroll.tabelltrekk_lines import run


def _run(text: str) -> tuple[int, list[str], str]:
    out, err = io.StringIO(), io.StringIO()
    status = run(io.StringIO(text), out, err)
    return status, out.getvalue().splitlines(), err.getvalue()


def test_each_line_comes_back_with_the_withholding() -> None:
    status, lines, err = _run(
        '{"year": 2026, "table": "8010", "period": "month", "gross": "35000"}\n'
        '{"year": 2026, "table": "7350", "period": "14days", "gross": 21000.5, "ref": "a"}\n'
    )
    assert status == 0 and err == ""
    assert lines[0] == '{"year": 2026, "table": "8010", "period": "month", "gross": "35000", "withholding": "8157"}'
    second = json.loads(lines[1])
    assert second["gross"] == 21000.5 and second["ref"] == "a"
    assert lines[1].startswith('{"year": 2026, "table": "7350", "period": "14days", "gross": 21000.5, "ref": "a"')


def test_bad_lines_are_named_in_place_and_the_exit_is_not_zero() -> None:
    status, lines, err = _run(
        '{"year": 2026, "table": "8010", "period": "month", "gross": "35000"}\n'
        '{"year": 2026, "table": "8010", "period": "month"}\n'
        '{"year": 2026, "table": "8010", "period": "month", "gross": 1e400}\n'
        "\n"
        '{"year": 2026, "table": "8010", "period": "quarter", "gross": "1"}\n'
        '{"year": "2026", "table": "8010", "period": "month", "gross": "1"}\n'
        '{"year": 2026, "table": "8010", "period": "month", "gross": "1", "withholding": "0"}\n'
        "[1, 2]\n"
        '{"year": 2026, "table": "8010", "period": "month", "gross": NaN}\n'
    )
    assert status == 1
    assert "7 line(s) refused, 1 answered" in err
    errors = [json.loads(line) for line in lines[1:]]
    assert [(e["line"], e["error"]) for e in errors] == [
        (2, "missing gross"),
        (3, "'1E+400' is beyond any pay period"),
        (5, "'quarter' is not a period (one of month, 14days, week, 4days, 3days, 2days, 1day)"),
        (6, "year must be an integer"),
        (7, "the line already has a withholding"),
        (8, "a line must be a JSON object"),
        (9, "NaN is not an amount"),
    ]
    assert errors[0]["input"] == '{"year": 2026, "table": "8010", "period": "month"}'


def test_the_cli_subcommand_reads_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"year": 2026, "table": "8000", "period": "month", "gross": "50000"}\n')
    assert cli_main(["payroll", "tabelltrekk", str(source)]) == 0
    assert capsys.readouterr().out.strip().endswith('"withholding": "14184"}')
