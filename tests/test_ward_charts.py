"""The ward map layout and the Altair builders of onehalton/ward_charts.py (specs checked, not pixels)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from onehalton import ward_charts, ward_need

LAYOUT = ward_charts.tile_layout()


def _tile(name):
    row = LAYOUT[LAYOUT["ward_name"] == name].iloc[0]
    return int(row["col"]), int(row["row"])


def _touch(a, b):
    (ca, ra), (cb, rb) = _tile(a), _tile(b)
    return max(abs(ca - cb), abs(ra - rb)) == 1


def test_the_layout_has_halton_s_18_wards_on_unique_tiles():
    assert len(LAYOUT) == 18
    assert LAYOUT["ward_code"].is_unique and LAYOUT["ward_name"].is_unique
    assert not LAYOUT.duplicated(["col", "row"]).any()
    assert LAYOUT["town"].value_counts().to_dict() == {"Widnes": 9, "Runcorn": 9}


def test_widnes_is_north_of_the_mersey_and_runcorn_south():
    widnes = LAYOUT[LAYOUT["town"] == "Widnes"]["row"]
    runcorn = LAYOUT[LAYOUT["town"] == "Runcorn"]["row"]
    assert widnes.max() < runcorn.min() - 1  # a row of river between them


def test_each_town_is_named_in_an_empty_cell_of_its_own_rows():
    """A town's name on a ward's tile was hidden by a dark tile (Runcorn under Mersey & Weston)."""
    cells = ward_charts.town_label_cells(LAYOUT)
    assert sorted(cells["town"]) == ["Runcorn", "Widnes"]
    tiles = set(zip(LAYOUT["col"], LAYOUT["row"], strict=True))
    for town in cells.itertuples():
        assert (town.col, town.row) not in tiles, f"{town.town}'s name sits on a tile"
        assert town.row in set(LAYOUT[LAYOUT["town"] == town.town]["row"]), f"{town.town}'s name is not by its wards"


def test_a_town_whose_rows_are_full_is_named_in_a_cell_left_empty_elsewhere():
    layout = pd.DataFrame(
        {"ward_code": list("ABCD"), "ward_name": list("ABCD"), "town": ["North"] * 3 + ["South"]}
        | {"col": [0, 1, 2, 0], "row": [0, 0, 0, 1], "short_name": list("ABCD")}
    )
    cells = ward_charts.town_label_cells(layout).set_index("town")
    assert cells.to_dict("index") == {"South": {"col": 1, "row": 1}, "North": {"col": 2, "row": 1}}


@pytest.mark.parametrize(
    "a, b",
    [
        ("Hough Green", "Ditton, Hale Village & Halebank"),
        ("Hough Green", "Farnworth"),
        ("Farnworth", "Birchfield"),
        ("Appleton", "Central & West Bank"),
        ("Halton View", "Central & West Bank"),
        ("Halton Castle", "Halton Lea"),
        ("Norton North", "Norton South & Preston Brook"),
        ("Halton Castle", "Daresbury, Moore & Sandymoor"),
        ("Mersey & Weston", "Beechwood & Heath"),
    ],
)
def test_neighbouring_wards_sit_on_neighbouring_tiles(a, b):
    assert _touch(a, b)


def test_every_ward_touches_another_of_its_own_town():
    for _, ward in LAYOUT.iterrows():
        same_town = LAYOUT[(LAYOUT["town"] == ward["town"]) & (LAYOUT["ward_name"] != ward["ward_name"])]
        assert any(_touch(ward["ward_name"], other) for other in same_town["ward_name"]), ward["ward_name"]


def test_a_layout_with_two_wards_on_one_tile_is_refused(tmp_path):
    bad = LAYOUT.copy()
    bad.loc[1, ["col", "row"]] = bad.loc[0, ["col", "row"]].to_numpy()
    path = tmp_path / "tiles.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"tiles.csv: rows \[2, 3\] share a tile"):
        ward_charts.tile_layout(path)


def _all_wards(polarity: str = "low is good") -> pd.DataFrame:
    n = len(LAYOUT)
    frame = LAYOUT[["ward_code", "ward_name", "town"]].copy()
    frame["value"] = np.linspace(10, 44, n)
    frame["lower_ci"] = frame["value"] - 2
    frame["upper_ci"] = frame["value"] + 2
    frame["denominator"] = 100.0
    frame = frame.assign(
        indicator_id=1, indicator_name="Obesity", unit="%", polarity=polarity, time_period="2023/24", halton_value=27.0
    )
    return frame


def test_place_wards_falls_back_to_names_when_codes_differ():
    frame = _all_wards()
    frame.loc[0, "ward_code"] = "E05099999"  # a verified ONS code the layout does not know yet
    frame = pd.concat([frame, pd.DataFrame({"ward_code": ["X"], "ward_name": ["Nowhere"]})], ignore_index=True)
    placed, missing = ward_charts.place_wards(frame)
    assert len(placed) == 18 and missing == ["Nowhere"]
    assert placed.loc[placed["ward_code"] == "E05099999", "col"].iloc[0] == LAYOUT.loc[0, "col"]


def test_tile_map_draws_all_18_wards_labelled_with_the_chosen_outlined_and_a_click_selection():
    frame = ward_need.compare_areas(_all_wards(), chosen=[LAYOUT.loc[3, "ward_code"]])
    spec = ward_charts.ward_tile_map(frame, chosen=[LAYOUT.loc[3, "ward_code"]], title="Obesity").to_dict()
    datasets = spec["datasets"]
    tiles = next(v for v in datasets.values() if len(v) == 18)
    assert sorted(t["short_name"] for t in tiles) == sorted(LAYOUT["short_name"])
    assert [t["ward_code"] for t in tiles if t["chosen"]] == [LAYOUT.loc[3, "ward_code"]]
    assert {t["category"] for t in tiles} <= {"better", "similar", "worse"}
    # One click selection, bound to the transparent click targets drawn above the names (third layer), so a
    # click on a ward's name chooses it too.
    (param,) = spec["params"]
    assert (param["name"], param["select"]["fields"], param["select"]["on"]) == ("ward", ["ward_code"], "click")
    assert len(param["views"]) == 1 and spec["layer"][2]["name"] == param["views"][0]
    assert spec["layer"][2]["mark"]["fillOpacity"] < 0.01
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert marks.count("text") >= 2 and "rect" in marks
    assert "River Mersey" in json.dumps(datasets)


def test_no_judgement_indicators_are_coloured_by_fifths():
    frame = ward_need.compare_areas(_all_wards(polarity="no judgement"))
    categories = ward_charts.map_categories(frame)
    assert categories.value_counts().to_dict() == {
        "Highest fifth": 4,
        "Fourth fifth": 4,
        "Middle fifth": 3,
        "Second fifth": 4,
        "Lowest fifth": 3,
    }
    assert categories.iloc[0] == "Highest fifth"  # compare_areas puts the highest value first


def test_suppressed_wards_are_coloured_as_suppressed_not_compared():
    frame = _all_wards()
    frame.loc[2, ["value", "lower_ci", "upper_ci"]] = np.nan
    out = ward_need.compare_areas(frame)
    row = out[out["ward_code"] == LAYOUT.loc[2, "ward_code"]].iloc[0]
    assert ward_charts.map_categories(out)[row.name] == "suppressed"


def test_compare_areas_chart_labels_every_ward_and_marks_suppressed_ones():
    frame = _all_wards()
    frame.loc[2, ["value", "lower_ci", "upper_ci"]] = np.nan
    areas = ward_need.compare_areas(frame, chosen=[LAYOUT.loc[5, "ward_code"]])
    spec = ward_charts.compare_areas_chart(areas, title="Obesity", unit="%").to_dict()
    y = spec["layer"][0]["encoding"]["y"]
    assert y["sort"] == areas["label"].tolist() and len(y["sort"]) == 18
    assert f"{LAYOUT.loc[2, 'ward_name']} (suppressed)" in y["sort"]
    assert LAYOUT.loc[5, "ward_name"] in json.dumps(y["axis"]["labelFontWeight"])  # chosen ward in bold
    rules = [
        layer
        for layer in spec["layer"]
        if (layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]) == "rule"
    ]
    assert len(rules) == 1  # Halton


def test_spine_and_quintile_charts_build_valid_specs():
    rows = ward_need.spine_rows(ward_need.compare_areas(_all_wards()), LAYOUT.loc[0, "ward_code"])
    spine = ward_charts.spine_chart(rows, title="Spine").to_dict()
    assert len(spine["layer"]) == 5
    # a ward without a value says "suppressed" or "no data", not a blank row
    assert spine["layer"][4]["transform"] == [{"filter": "!isValid(datum.pos_value) && datum.status != 'shown'"}]
    quint = pd.DataFrame(
        {
            "quintile": [1, 2, 3, 4, 5],
            "value": [30.0, 28, 25, 22, 20],
            "lower_ci": [28.0, 26, 23, 20, 18],
            "upper_ci": [32.0, 30, 27, 24, 22],
            "ward_names": ["a", "b", "c", "d", "e"],
        }
    )
    spec = ward_charts.quintile_chart(quint, title="By deprivation", unit="%", halton=25.0).to_dict()
    assert len(spec["layer"]) == 3


def _geojson(codes):
    features = [
        {
            "type": "Feature",
            "properties": {"WD22CD": c, "WD22NM": f"Ward {i}"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [-2.7 + i * 0.01, 53.3],
                        [-2.69 + i * 0.01, 53.3],
                        [-2.69 + i * 0.01, 53.31],
                        [-2.7 + i * 0.01, 53.3],
                    ]
                ],
            },
        }
        for i, c in enumerate(codes)
    ]
    return {"type": "FeatureCollection", "features": features}


def test_a_boundary_file_in_the_data_folder_is_found_and_drawn(tmp_path):
    assert ward_charts.find_boundary_file(tmp_path) is None
    path = tmp_path / "wards.geojson"
    path.write_text(json.dumps(_geojson(LAYOUT["ward_code"])))
    assert ward_charts.find_boundary_file(tmp_path) == path
    boundaries = ward_charts.load_boundaries(path, LAYOUT["ward_code"])
    assert boundaries["code_property"] == "WD22CD" and boundaries["kind"] == "geojson"
    spec = ward_charts.boundary_map(ward_need.compare_areas(_all_wards()), boundaries, title="Obesity").to_dict()
    assert spec["mark"]["type"] == "geoshape"
    assert spec["transform"][0]["lookup"] == "properties.WD22CD"
    assert spec["params"][0]["name"] == "ward"


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json", "not readable"),
        (json.dumps({"type": "Feature"}), "expected a GeoJSON FeatureCollection"),
        (json.dumps(_geojson(["E0000000X"])), "no feature property holds the ward codes"),
    ],
)
def test_an_unusable_boundary_file_is_named_with_the_reason(tmp_path, content, message):
    path = tmp_path / "wards.geojson"
    path.write_text(content)
    with pytest.raises(ValueError, match=f"wards.geojson: {message}"):
        ward_charts.load_boundaries(path, LAYOUT["ward_code"])
