"""Documentation that is generated from code stays in sync with it."""

from __future__ import annotations

from layout.schema import alias_table_markdown

from .conftest import REPO


def test_data_format_doc_has_the_current_alias_table():
    doc = (REPO / "docs" / "data_format.md").read_text(encoding="utf-8")
    assert alias_table_markdown().strip() in doc, "regenerate with: python -m layout.schema (see docs/data_format.md)"
