"""pages/ward_profile.py through the dashboard's entrypoint on the fixture: the ward-against-Halton table writes
a hidden ward value as `*` (value suppressed, denominator present) and no ward value as `–` (tables.py)."""

from __future__ import annotations

import pandas as pd
from conftest import page_problems
from fixtures import WARD_A

from onehalton import formats, measures


def _comparison_table(at) -> pd.DataFrame:
    header = measures.label("ward_value")
    return next(d.value for d in at.dataframe if header in d.value.columns)


def test_a_suppressed_ward_value_shows_a_star_and_no_ward_value_a_dash(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"ward": WARD_A}, page="pages/ward_profile.py")
    assert page_problems(at) == []
    table = _comparison_table(at).set_index(measures.label("indicator"))
    ward = measures.label("ward_value")
    # Ward A's Year 6 obesity is 3 of 40: hidden, but the ward has a figure (its denominator is published).
    assert table.loc["Year 6: prevalence of obesity", ward] == formats.SUPPRESSED
    # Employment has no ward rows at all: no data, not suppressed.
    assert table.loc["Employment rate (16-64)", ward] == formats.MISSING
    captions = " ".join(c.value for c in at.caption)
    assert "shown as \\*" in captions
