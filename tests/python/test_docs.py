"""The documentation names only tests that exist.

docs/model.md's "How each rule is tested" maps each submodel to the tests
of tests/models/territory/test_territory.cpp: a test renamed or removed
must not leave the table naming it.
"""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]


def table_of_rule_tests(text: str) -> dict:
    """{submodel: [test names]} from the section's table."""
    section = text.split("## How each rule is tested", 1)[1]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0] in ("submodel", "---") or not line.startswith("|"):
            continue
        rows[cells[0]] = re.findall(r"`([A-Za-z0-9]+)`", cells[1])
    return rows


def test_every_rule_test_the_model_documentation_names_exists():
    rows = table_of_rule_tests((ROOT / "docs" / "model.md").read_text(encoding="utf-8"))
    source = (ROOT / "tests" / "models" / "territory" / "test_territory.cpp").read_text(encoding="utf-8")
    defined = set(re.findall(r"^TEST\(Territory\w+, (\w+)\)", source, flags=re.M))
    assert len(rows) >= 12, rows  # every submodel of the section 7
    named = [name for names in rows.values() for name in names]
    assert len(named) >= 40
    missing = sorted(set(named) - defined)
    assert not missing, f"docs/model.md names tests that tests/models/territory/test_territory.cpp lacks: {missing}"


def test_the_table_parser_reads_each_rows_names():
    text = "## How each rule is tested\n\n| submodel | tests |\n|---|---|\n| cash | `CashX`, `CashY` |\n"
    assert table_of_rule_tests(text) == {"cash": ["CashX", "CashY"]}
