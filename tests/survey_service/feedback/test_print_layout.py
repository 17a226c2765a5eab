"""The printed feedback report's rules (results.css ``@media print``), as checked on paper.

Seen by printing the demo's feedback to PDF in Chromium (scripts/feedback_screenshots.py):
a page breaks only between rows, column headings repeat, a domain's heading stays with
its first rows, and nothing forces every domain onto a page of its own.
"""

from __future__ import annotations

import re
from pathlib import Path

CSS = Path(__file__).resolve().parents[3] / "survey_service" / "static" / "results.css"


def _print_rules() -> dict[str, str]:
    """Selector -> declarations of the feedback report's print block."""
    text = CSS.read_text()
    start = text.index("/* Printed feedback on A4")
    block = text[text.index("@media print {", start) :]
    body, depth = [], 0
    for char in block[len("@media print {") :]:
        depth += char == "{"
        depth -= char == "}"
        if depth < 0:
            break
        body.append(char)
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", re.sub(r"/\*.*?\*/", "", "".join(body), flags=re.S))
    return {" ".join(sel.split()): " ".join(decl.split()) for sel, decl in rules}


def test_rows_never_split_and_headings_repeat() -> None:
    rules = _print_rules()
    assert "display: table-header-group" in rules["thead"]
    assert "break-inside: avoid" in rules["tr"]
    assert "overflow: visible" in rules[".scroll"]  # a scrolling box clips columns on paper


def test_headings_stay_with_their_table_and_first_rows() -> None:
    rules = _print_rules()
    headings = next(v for k, v in rules.items() if k.startswith("h1, h2"))
    assert "break-after: avoid" in headings
    assert "break-after: avoid" in rules[".domain thead, .domain tbody tr:first-child"]
    assert "break-before: avoid" in rules[".domain tbody tr:first-child"]


def test_no_domain_is_forced_onto_a_new_page() -> None:
    rules = _print_rules()
    assert not any("break-before: page" in v or "page-break-before" in v for v in rules.values())
    assert "break-before: auto" in rules[".domain"]
