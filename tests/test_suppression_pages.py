"""Issue 3's acceptance test: every page, filtered to every ward, shows no count from 1 to the suppression
threshold (7) in any table, chart, KPI tile or CSV download. How a page is read, what counts as a count and which
figures are Halton-wide: tests/suppression_pages.py, which this module and test_suppression_pages_wards_2.py and
_wards_3.py share. This module has the first third of the wards, the Halton-wide view and the negative controls.
"""

from __future__ import annotations

import re

import conftest  # tests/conftest.py: shared-folder registry, cache hygiene, AppTest helpers
import pandas as pd
import pytest
from conftest import page_problems
from suppression_pages import (  # noqa: F401  (app, demo_folder and downloads are fixtures)
    LABEL,
    PAGES,
    WARD_PARTS,
    WARDS,
    app,
    check_every_page_for_the_ward,
    demo_folder,
    derived_problems,
    downloads,
    inspect_page,
    parse_count,
    render_all,
    report,
    secondary_problems,
    small_count_problems,
    threshold,
    ward_ids,
)

from onehalton import config

# ------------------------------------------------------------------------------------------------
# The acceptance test


def test_the_navigation_lists_nine_pages():
    assert len(PAGES) == 9, PAGES
    assert PAGES[0].endswith("overview.py")


def test_the_generated_wards_are_the_ones_tested(demo_folder):
    wards = pd.read_parquet(demo_folder / "wards.parquet")
    assert sorted(zip(wards["ward_code"], wards["ward_name"])) == sorted(WARDS)
    assert len(WARDS) == 18
    assert [w for part in WARD_PARTS for w in part] == WARDS, "the three test modules must cover every ward once"


@pytest.mark.parametrize("ward, name", WARD_PARTS[0], ids=ward_ids(WARD_PARTS[0]))
def test_every_page_filtered_to_a_ward_shows_no_small_count(app, downloads, ward, name):
    check_every_page_for_the_ward(app, downloads, ward, name)


def test_halton_wide_views_are_not_suppressed_but_ward_tables_are(app, downloads):
    """No ward chosen: tables of wards are still protected; Halton's own figures are not hidden."""
    at = app()
    problems, seconds = render_all(at, downloads, "Halton", ward=None)
    print(f"Halton: {sum(seconds.values()):.1f}s {seconds}")
    assert not problems, report(problems)

    at.switch_page("pages/overview.py").run()
    tiles = conftest.metrics(at)
    for label in ("Appointments per 1,000 residents", "Did not attend (DNA) rate"):
        assert label in tiles, f"overview [Halton]: no tile {label!r}; tiles {sorted(tiles)}"
        assert re.fullmatch(r"[\d,]+(\.\d+)?%?", tiles[label]), f"overview [Halton]: {label} shows {tiles[label]!r}"
    assert not any(c.value.startswith("Small numbers") for c in at.caption), "overview [Halton]: a suppression legend"

    at.switch_page("pages/living_well.py").run()
    tiles = {m.label: str(m.value) for m in at.metric}
    assert parse_count(tiles.get("Appointments (all ages)", "")), f"living well [Halton]: tiles {tiles}"
    downloads.clear()
    at.session_state["tabs-living-well"] = "Monthly table"  # a lazy tab: drawn once open
    at.run()
    monthly = dict(downloads)["living-well-monthly.csv"].decode("utf-8")
    assert LABEL not in monthly, "living well [Halton]: the Halton-wide monthly table is suppressed"


# ------------------------------------------------------------------------------------------------
# Negative controls: the test can fail


def test_the_checker_finds_small_counts_in_an_unsuppressed_rows():
    frame = pd.DataFrame({"ward_name": ["A", "B", "C"], "appointments": [120, 3, 0], "per_1000": [40.0, 1.2, 0.0]})
    found = small_count_problems(frame, "unsuppressed", threshold())
    assert found and "'appointments'" in found[0] and ": 3" in found[0]
    labelled = frame.astype(object)
    labelled.loc[1, "appointments"] = LABEL
    assert derived_problems(labelled, "rate left showing"), "a rate on a suppressed count went unnoticed"
    labelled.loc[1, "per_1000"] = LABEL
    assert small_count_problems(labelled, "suppressed", threshold()) == []
    assert derived_problems(labelled, "suppressed") == []
    assert secondary_problems(labelled, "lone", []), "a lone suppressed cell went unnoticed"
    assert parse_count("5") == 5 and parse_count("1,254") == 1254
    assert parse_count("4.9%") is None and parse_count("957.3") is None and parse_count("£5") is None


def _ward_with_small_indicator_counts(folder) -> tuple[str, str]:
    """A ward and the page of a domain where the ward has indicator counts of 2 to 7 (data-driven)."""
    indicators = pd.read_parquet(folder / "indicators.parquet")
    definitions = pd.read_parquet(folder / "indicator_definitions.parquet")
    rows = indicators[
        (indicators["area_type"] == "Ward") & (indicators["sex"] == "Persons") & indicators["count"].between(2, 7)
    ].merge(definitions, on="indicator_id")
    assert not rows.empty, "the demo data has no small ward counts: the negative control has nothing to find"
    row = rows.sort_values(["domain", "area_code"]).iloc[0]
    return row["area_code"], "pages/" + row["domain"].lower().replace(" ", "_") + ".py"


def test_with_the_threshold_at_1_the_checker_finds_small_counts(app, downloads, demo_folder, monkeypatch):
    """Lower the app's threshold to 1 and the same inspection (judged at 7) must catch the counts
    2 to 7 it then shows: in the indicator trend's download and in the by-ward table."""
    ward, page = _ward_with_small_indicator_counts(demo_folder)
    monkeypatch.setenv(config.THRESHOLD_ENV, "1")
    at = app({"ward": [ward]})
    at.run()
    downloads.clear()
    at.switch_page(page).run()
    assert not page_problems(at)
    monkeypatch.setenv(config.THRESHOLD_ENV, "7")  # judge by the policy threshold
    found = inspect_page(at, page, ward, downloads, ward_view=True)
    monkeypatch.setenv(config.THRESHOLD_ENV, "1")
    downloads.clear()
    for view in conftest.open_lazy_views(at):  # the by-ward tables sit in lazy expanders
        monkeypatch.setenv(config.THRESHOLD_ENV, "7")
        found += inspect_page(at, page, f"{ward}, {view}", downloads, ward_view=True)
        monkeypatch.setenv(config.THRESHOLD_ENV, "1")
        downloads.clear()
    assert any("download indicator-" in p for p in found), report(found)
    assert any(" table " in p for p in found), report(found)
