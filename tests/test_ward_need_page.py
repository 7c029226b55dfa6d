"""pages/ward_need.py rendered with AppTest through the dashboard's entrypoint, on the fixture and on the demo
data."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import APP_TIMEOUT, DASHBOARD, chart_specs, invalid_chart_specs, use_data_dir
from fixtures import WARD_A, WARD_B
from streamlit.testing.v1 import AppTest


@pytest.fixture(scope="module")
def demo_dir(demo_data_dir):
    return demo_data_dir


@pytest.fixture
def need_app(monkeypatch):
    def make(data_dir, query=None):
        use_data_dir(monkeypatch, data_dir)
        at = AppTest.from_file(str(DASHBOARD), default_timeout=APP_TIMEOUT)
        for key, value in (query or {}).items():
            at.query_params[key] = value
        at.switch_page("pages/ward_need.py")
        at.run()
        return at

    return make


def _numbers(frame: pd.DataFrame, columns) -> list[float]:
    """The numbers in `columns` of a table as drawn (headers from the registry, "1,234" written out)."""
    from onehalton import tables

    out = []
    for column in columns:
        for name in (column, tables.header(column)):
            if name in frame:
                text = frame[name].astype(str).str.replace(",", "", regex=False)
                out += [float(v) for v in pd.to_numeric(text, errors="coerce").dropna()]
    return out


@pytest.mark.parametrize("query", [{}, {"ward": WARD_A}, {"ward": [WARD_A, WARD_B]}], ids=["none", "one", "two"])
def test_the_page_renders_and_hides_small_ward_counts(need_app, fixture_dir, query):
    at = need_app(fixture_dir, query)
    assert not at.exception, at.exception
    counts = [n for d in at.dataframe for n in _numbers(d.value, ["count"])]
    assert not [n for n in counts if 1 <= n <= 7], counts
    assert "Where need is greatest" in [t.value for t in at.title]


def test_two_chosen_wards_are_side_by_side_not_summed(need_app, fixture_dir):
    at = need_app(fixture_dir, {"ward": [WARD_A, WARD_B]})
    table = next(d.value for d in at.dataframe if "Appleton: vs Halton" in d.value.columns)
    assert "Norton South & Preston Brook: vs Halton" in table.columns
    # 3 of 40 is hidden, and Appleton's 60 with it: with two wards, one could be worked out from the other.
    assert table["Norton South & Preston Brook: vs Halton"].iloc[0] == "suppressed"
    assert table["Appleton: vs Halton"].iloc[0] == "suppressed"
    assert (table["Appleton"] == "–").all()


def test_side_by_side_on_the_demo_data_shows_each_ward_s_own_value(need_app, demo_dir):
    at = need_app(demo_dir, {"ward": ["E05013186", "E05013169"]})
    assert not at.exception, at.exception
    table = next(d.value for d in at.dataframe if "Appleton: vs Halton" in d.value.columns)
    values = pd.to_numeric(table["Appleton"], errors="coerce")
    other = pd.to_numeric(table["Norton South & Preston Brook"], errors="coerce")
    assert values.notna().sum() >= 5 and other.notna().sum() >= 5
    assert (values != other).any()


def test_the_page_renders_on_the_demo_data_with_the_sii(need_app, demo_dir):
    at = need_app(demo_dir, {"ward": "E05013186"})
    assert not at.exception, at.exception
    counts = [n for d in at.dataframe for n in _numbers(d.value, ["count"])]
    assert counts and not [n for n in counts if 1 <= n <= 7]
    texts = " ".join(m.value for m in at.markdown)
    assert "Slope index of inequality" in texts or "cannot be calculated" in texts
    ranking = next(d.value for d in at.dataframe if "Need rank" in d.value.columns)
    assert len(ranking) == 18
    assert invalid_chart_specs(at) == []  # map, compare areas, spine and quintiles: built by hand, unvalidated


def test_a_standardised_rate_is_not_pooled_and_says_so(need_app, demo_dir):
    at = need_app(demo_dir)
    at.selectbox(key="need-indicator").set_value(22401).run()
    at.radio(key="need-period").set_value("Three periods pooled").run()
    assert not at.exception, at.exception
    assert any("directly standardised rate" in i.value for i in at.info)


def test_pooled_periods_are_labelled_pooled(need_app, demo_dir):
    at = need_app(demo_dir)
    # A count-based indicator: a directly standardised rate (the first listed, falls 65+) is not pooled.
    at.selectbox(key="need-indicator").set_value(90323).run()
    at.radio(key="need-period").set_value("Three periods pooled").run()
    assert not at.exception, at.exception
    quintiles = next(d.value for d in at.dataframe if "Deprivation quintile" in d.value.columns)
    assert len(quintiles) == 5
    assert invalid_chart_specs(at) == []


def test_a_boundary_file_in_the_data_folder_replaces_the_tile_map(need_app, fixture_copy):
    import json

    features = [
        {
            "type": "Feature",
            "properties": {"WD22CD": code},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[-2.7 + i / 50, 53.3], [-2.69 + i / 50, 53.3], [-2.69 + i / 50, 53.31], [-2.7 + i / 50, 53.3]]
                ],
            },
        }
        for i, code in enumerate([WARD_A, WARD_B])
    ]
    at = need_app(fixture_copy)
    assert any(_has_rect_tiles(s) for s in chart_specs(at))  # the tile map, without a boundary file
    (fixture_copy / "wards.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    at = need_app(fixture_copy)
    assert not at.exception
    marks = [
        s.get("mark", {}).get("type") if isinstance(s.get("mark"), dict) else s.get("mark") for s in chart_specs(at)
    ]
    assert "geoshape" in marks


def _has_rect_tiles(spec: dict) -> bool:
    return any((layer.get("mark") or {}).get("type") == "rect" for layer in spec.get("layer", []))


def test_a_standardised_rate_draws_no_empty_quintile_chart_and_says_why(need_app, demo_dir):
    """Falls 65+ is a directly standardised rate: no value by quintile (its age bands are not pooled), so no chart
    of empty bars, and the SII line says why; a count-based indicator draws the quintile chart."""
    at = need_app(demo_dir)
    at.selectbox(key="need-indicator").set_value(22401).run()
    assert not at.exception, at.exception
    standardised = len(at.get("vega_lite_chart"))
    assert any("directly standardised rate by quintile" in m.value for m in at.markdown)
    at.selectbox(key="need-indicator").set_value(90323).run()
    assert len(at.get("vega_lite_chart")) == standardised + 1  # the quintile chart
    assert not any("directly standardised rate by quintile" in m.value for m in at.markdown)
