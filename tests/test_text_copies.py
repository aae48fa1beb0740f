"""Round trips of text copies: markdown pipe tables and CSV/TSV exports of generated reports read
back to exactly what the generator put in, through the same table reader as every other format."""

from __future__ import annotations

from pathlib import Path

import pytest
from copies import render_delimited, render_markdown
from expected import to_expected_from_report
from generate import expected, make_spec

from extract import parse_bytes

OPTIONS = [{}, {"blanks": True}, {"odd_labels": True}, {"inconsistent": True, "amount_in_yuan": True},
           {"blanks": True, "odd_labels": True, "inconsistent": True}]
MARKDOWN_FORMS = {
    "repeated-merges": {},
    "empty-merges": {"repeat": False},
    "numbered-headers": {"numbered": True},
    "split-tables": {"split": True},
    "repeated-header-row": {"repeat_header": True},
    "numbered-split-empty": {"numbered": True, "split": True, "repeat": False},
    "no-outer-pipes": {"outer": False},
    "no-outer-pipes-split": {"outer": False, "split": True, "numbered": True},
    "html-tables": {"html": "bare"},
    "html-tables-wrapped": {"html": "wrapped"},
}
CASES = [(form, seed, ("2019", "2021")[seed % 2], OPTIONS[seed % len(OPTIONS)])
         for form in MARKDOWN_FORMS for seed in range(6000, 6010)]


def _got(data: bytes, name: str) -> dict:
    return to_expected_from_report(parse_bytes(data, name, name=name).to_dict())


@pytest.mark.parametrize(("form", "seed", "template", "options"), CASES,
                         ids=[f"{c[0]}-{c[2]}-s{c[1]}" for c in CASES])
def test_markdown_copy_round_trips(form: str, seed: int, template: str, options: dict) -> None:
    spec = make_spec(seed, template, **options)
    assert _got(render_markdown(spec, **MARKDOWN_FORMS[form]), "report.md") == expected(spec)


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
@pytest.mark.parametrize("numbered", [False, True])
@pytest.mark.parametrize("padded", [False, True])
@pytest.mark.parametrize("seed", range(6100, 6106))
def test_delimited_copy_round_trips(delimiter: str, numbered: bool, padded: bool, seed: int) -> None:
    """`padded`: every row padded to the widest (Excel's export), so the title and the body text
    are many-field rows too (the title was read as a table row: agency and year lost)."""
    spec = make_spec(seed, ("2019", "2021")[seed % 2], **OPTIONS[seed % len(OPTIONS)])
    copy = render_delimited(spec, delimiter, numbered=numbered, padded=padded)
    assert _got(copy, "report.csv") == expected(spec)


def test_markdown_heading_marks_are_not_part_of_the_title() -> None:
    spec = make_spec(6200, "2019")
    report = parse_bytes(render_markdown(spec), "report.md", name="report.md")
    assert report.title is not None and "#" not in report.title
    assert spec.agency_full in report.title


def test_a_numbered_header_is_not_read_as_table_4_values(tmp_path: Path) -> None:
    """Column numbers 1…15 under the table-4 heading are a header, never a row of outcomes."""
    spec = make_spec(6201, "2021")
    report = parse_bytes(render_markdown(spec, numbered=True), "report.md", name="report.md")
    got = {f"{r.group}/{r.outcome}": r.value for r in report.reviews}
    assert got == expected(spec)["litigation"]


def test_a_csv_copy_with_old_mac_line_ends_is_read_not_refused() -> None:
    """A lone carriage return ends a line, as in the detection: csv's reader alone raised
    `new-line character seen in unquoted field` on it (found by tests/test_parse_any_input.py)."""
    from extract import parse_bytes

    report = parse_bytes(b",,\n,,\n,,\n\r0", "copy.csv", name="copy.csv")
    assert report is not None
    rows = "\r".join(["标题,本年新制作数量,本年废止件数,现行有效件数", "规章,1,0,5", "行政规范性文件,2,1,7"]).encode()
    assert parse_bytes(rows, "copy.csv", name="copy.csv") is not None


def test_html_blocks_of_a_markdown_copy_keep_a_pages_limits() -> None:
    """The HTML tables of a markdown copy are held to an HTML page's limits together (bytes, tags:
    `check_page` guards a page before it is parsed, and a text copy skipped it): past them the
    rest are not read, and a problem says from which line."""
    from extract.limits import MAX_HTML_TAGS

    block = "<table><tr><td>" + "<b>1</b>" * 20_000 + "</td></tr></table>"
    copy = "# 2021年某区政府信息公开工作年度报告\n\n" + "\n\n".join([block] * (MAX_HTML_TAGS // 20_000 + 5))
    report = parse_bytes(copy.encode(), "big.md", name="big.md").to_dict()
    (said,) = [p for p in report["problems"] if p["kind"] == "truncated"]
    assert said["where"].startswith("line ") and "not read" in said["detail"], said
