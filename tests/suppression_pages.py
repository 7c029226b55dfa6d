"""What the suppression acceptance tests (test_suppression_pages*.py) share: the demo-data AppTest, the
recorded downloads, and the inspection of every table, chart, tile and CSV a page shows. The tests themselves
are in three modules, a third of the wards each, so that xdist's `--dist loadfile` can run them side by side:
one module was the longest single unit of the whole run. `WARD_PARTS` splits the wards; a test checks the parts
cover every ward once.

Issue 3's acceptance test: every page, filtered to every ward, shows no count from 1 to the
suppression threshold (7) in any table, chart, KPI tile or CSV download.

How it reads what a page shows (Streamlit AppTest, 1.67):

* tables: ``at.dataframe`` (the frame handed to ``st.dataframe``);
* tiles: ``at.metric`` (the shown text, and the sparkline's numbers for count tiles);
* charts: the data sets of every chart (``vega_lite_chart`` elements, Arrow-encoded; the suppressed
  cells there are empty, so charts get the small-count check only);
* downloads: AppTest only exposes a download button's mock URL, not its bytes, so the payload is
  recorded on the way in, by wrapping the project's own seam ``onehalton.tables.download`` (every CSV
  download the dashboard offers goes through it; a test checks the count matches the buttons drawn).
* tables are drawn as people read them (headers from the measure registry, "1,234", "4.6%", "*"): they
  are read back into the contract's column names and numbers (``table_as_data``) before checking.

What counts as a count: columns named in ``COUNT_COLUMNS`` (appointments and their breakdowns,
indicator counts, residents and denominators: a tiny population identifies as surely as a tiny count),
and tiles whose value is a bare whole number (the dashboard's count format). Rates, shares and CIs
cannot be judged by size, so instead: in every labelled table or download, a row whose count is
suppressed must have the rates built on it suppressed too (``DERIVED``). Where a table's rows add up
to a total the dashboard publishes, no count column may hide a single cell alone (it could be worked
out by subtraction: secondary suppression).

Not ward-level, so not checked (the page says so in a caption): the learning-disability health-check
extract is practice-level and cancer faster diagnosis is sub-ICB; both are shown for all of Halton
whatever wards are chosen (``HALTON_ONLY_COLUMNS``). Halton and England rows beside a ward's rows are
Halton-wide totals and are not suppressed either.

Data: the demo generator with end_month October 2026 (91 months from April 2019: the realistic span,
and more months give more chances of a small ward count), the session's one copy (conftest.demo_data_dir).
One AppTest per ward renders every page in turn; each ward is a test of its own.
"""

from __future__ import annotations

import datetime
import fnmatch
import io
import json
import re
import time

import conftest  # tests/conftest.py: shared-folder registry, cache hygiene, AppTest helpers
import numpy as np
import pandas as pd
import pytest
from conftest import DASHBOARD, clear_streamlit_caches, page_problems
from streamlit.testing.v1 import AppTest

from onehalton import config, demo_data, measures, navigation, suppression, tables

END_MONTH = datetime.date(2026, 10, 1)
APP_TIMEOUT = 120
LABEL = suppression.SUPPRESSED_LABEL

# The generator's wards (E05013169 upwards, in alphabetical order): known before any data is built,
# so each ward is a test id of its own. test_the_generated_wards_are_the_ones_tested checks the match.
WARDS = [(f"E05{demo_data.WARD_CODE_FIRST + i:06d}", w[0]) for i, w in enumerate(demo_data.HALTON_WARDS)]
# The wards in three parts, one test module each (test_suppression_pages.py, ..._wards_2.py, ..._wards_3.py).
WARD_PARTS = (WARDS[:6], WARDS[6:12], WARDS[12:])


def ward_ids(wards) -> list[str]:
    return [f"{c}-{re.sub(r'[^A-Za-z]+', '_', n)}" for c, n in wards]


# Columns holding counts of people or events (or the populations they are counted in).
COUNT_COLUMNS = {
    "appointments",
    "attended",
    "dna",
    "home_visits",
    "face_to_face",
    "same_day",
    "within_two_weeks",
    "known_lead_time",
    "count",
    "ward_count",
    "denominator",
    "population",
    "checks",
    "register",
    "declined",
    "total",
    "within_standard",
    "breaches",
}
# Practice-level (LD health checks) and sub-ICB (cancer FDS) extracts: no ward dimension, shown for
# all of Halton whatever the filter. A frame holding one of these column sets is one of those.
HALTON_ONLY_SIGNATURES = ({"checks", "register"}, {"within_standard", "total"})
HALTON_ONLY_COLUMNS = {"checks", "register", "declined", "total", "within_standard", "breaches"}
# The LD by-practice table is practice-level, so it is checked (practice small counts are protected too).
HALTON_ONLY_DOWNLOADS = ("ld-trajectory.csv", "fds-by-type.csv", "spc-fds.csv")
HALTON_ONLY_TILES = {"Register (14+)"}  # the LD register, practice-level extract, all Halton
NOT_COUNT_TILES = {"Deprivation rank (1 = most deprived)"}  # a rank among 18 wards, not a count
# Rows for Halton or England beside a ward's rows: Halton-wide totals, never suppressed.
HALTON_WIDE_AREAS = {"Halton", "England", "Local authority"}

# Rates and shares built on a count: hidden whenever the count is. Every appointment rate is built
# on a subset of the appointments, so a hidden appointments count hides them all.
APPOINTMENT_RATES = [
    "per_1000",
    "per_1000_lower",
    "per_1000_upper",
    "per_1000_per_month",
    "share",
    "dna_rate",
    "dna_rate_lower",
    "dna_rate_upper",
    "same_day_share",
    "same_day_share_lower",
    "same_day_share_upper",
    "two_week_share",
    "two_week_share_lower",
    "two_week_share_upper",
    "face_to_face_share",
]
DERIVED = {
    "appointments": APPOINTMENT_RATES,
    "dna": ["dna_rate", "dna_rate_lower", "dna_rate_upper"],
    "attended": ["dna_rate", "dna_rate_lower", "dna_rate_upper"],
    "same_day": ["same_day_share", "same_day_share_lower", "same_day_share_upper"],
    "within_two_weeks": ["two_week_share", "two_week_share_lower", "two_week_share_upper"],
    "known_lead_time": [
        "same_day_share",
        "same_day_share_lower",
        "same_day_share_upper",
        "two_week_share",
        "two_week_share_lower",
        "two_week_share_upper",
    ],
    "face_to_face": ["face_to_face_share"],
    "count": ["value", "lower_ci", "upper_ci"],
    "ward_count": ["ward_value"],
}
# Downloads whose rows add up to a total the dashboard also publishes (the ward's or Halton's),
# with the columns that identify each group of rows adding up to one total ([] = the whole table).
PUBLISHED_TOTALS = {
    "*-modes.csv": ["month"],  # modes of a month add up to the month's appointments
    "living-well-pcn.csv": ["month"],  # PCNs of a month add up to the month's appointments
    "living-well-practices.csv": [],  # practices add up to the period's appointments
    "indicator-*-wards.csv": [],  # wards add up to Halton's count for the period
    "ward-ranking.csv": [],  # wards add up to Halton's appointments for the period
    "ward-population.csv": [],  # age bands add up to the residents tile
}


def threshold() -> int:
    return config.suppression_threshold()


# ------------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def demo_folder(demo_data_dir):
    """The session's demo data; Streamlit's caches cleared on the way in and out, as the app switches data
    folders."""
    assert END_MONTH == datetime.date(*conftest.DEMO_END_MONTH)
    clear_streamlit_caches()
    yield demo_data_dir
    clear_streamlit_caches()


class Downloads(list):
    """(file_name, bytes) of every st.download_button drawn since the last clear()."""


@pytest.fixture
def downloads(monkeypatch) -> Downloads:
    from onehalton import tables

    recorded = Downloads()
    original = tables.download

    def recording(rows, key, *args, **kwargs):
        recorded.append((f"{key}.csv", rows().to_csv(index=False).encode("utf-8")))
        return original(rows, key, *args, **kwargs)

    monkeypatch.setattr(tables, "download", recording)
    return recorded


@pytest.fixture
def app(monkeypatch, demo_folder, downloads):
    """`app(query)`: an AppTest of dashboard.py on the demo data, not yet run."""

    def make(query: dict | None = None):
        monkeypatch.setenv(config.DATA_DIR_ENV, str(demo_folder))
        at = AppTest.from_file(str(DASHBOARD), default_timeout=APP_TIMEOUT)
        for key, value in (query or {}).items():
            at.query_params[key] = value
        return at

    return make


PAGES = [p.script for p in navigation.PAGES]


# ------------------------------------------------------------------------------------------------
# Reading what a page shows


def chart_frames(at) -> list[tuple[str, pd.DataFrame]]:
    """Every data set of every Altair chart on the page, named by chart title and position."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    found = []
    for n, chart in enumerate(at.get("vega_lite_chart")):
        proto = chart.proto
        spec = json.loads(proto.spec) if proto.spec else {}
        title = spec.get("title") or next(
            (layer.get("title") for layer in spec.get("layer", []) if isinstance(layer, dict) and layer.get("title")),
            None,
        )
        name = f"chart {n + 1} ({title})" if title else f"chart {n + 1}"
        if proto.data.data:
            found.append((name, convert_arrow_bytes_to_pandas_df(proto.data.data)))
        for dataset in proto.datasets:
            found.append((f"{name} data set {dataset.name}", convert_arrow_bytes_to_pandas_df(dataset.data.data)))
        for key, values in (spec.get("datasets") or {}).items():  # inline data, if any
            found.append((f"{name} inline data set {key}", pd.DataFrame(values)))
    return found


def csv_frame(payload: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(payload), dtype=str, keep_default_na=False)


def count_columns(frame: pd.DataFrame) -> list[str]:
    columns = set(frame.columns)
    wanted = COUNT_COLUMNS & columns
    if any(signature <= columns for signature in HALTON_ONLY_SIGNATURES) and "gp_code" not in columns:
        wanted -= HALTON_ONLY_COLUMNS
    return sorted(wanted)


def ward_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop Halton and England rows (Halton-wide totals) from a frame that mixes them with wards."""
    keep = pd.Series(True, index=frame.index)
    for column in ("area_name", "area_type"):
        if column in frame.columns:
            keep &= ~frame[column].astype(str).isin(HALTON_WIDE_AREAS)
    return frame[keep]


def always_ward_level(frame: pd.DataFrame) -> bool:
    """Tables of wards (ranked, indicator values by ward) are ward-level whatever the filter."""
    return bool({"ward_name", "ward_code"} & set(frame.columns))


def small_count_problems(frame: pd.DataFrame, where: str, limit: int) -> list[str]:
    columns = count_columns(frame)
    if not columns:
        return []
    try:
        suppression.assert_no_small_counts(ward_rows(frame), threshold=limit, columns=columns)
    except AssertionError as exc:
        return [f"{where}: {exc}"]
    return []


def is_label(value) -> bool:
    return isinstance(value, str) and value.strip() == LABEL


def is_blank(value) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (not isinstance(value, str) and pd.isna(value))
    )


def derived_problems(frame: pd.DataFrame, where: str) -> list[str]:
    """In a labelled table: a rate shown in a row whose count is suppressed."""
    problems = []
    for count, rates in DERIVED.items():
        if count not in frame.columns:
            continue
        hidden = frame[count].map(is_label).to_numpy(dtype=bool)
        for rate in (r for r in rates if r in frame.columns):
            shown = ~frame[rate].map(lambda v: is_label(v) or is_blank(v)).to_numpy(dtype=bool)
            for i in np.flatnonzero(hidden & shown)[:3]:
                problems.append(
                    f"{where}: row {i} (0-based), {rate!r} shows {frame[rate].iloc[i]!r} but the "
                    f"{count!r} it is built on is suppressed"
                )
    return problems


def secondary_problems(frame: pd.DataFrame, where: str, groups: list[str]) -> list[str]:
    """A count hidden alone among rows that add up to a published total can be worked out."""
    problems = []
    parts = frame.groupby(groups, sort=False) if groups else [((), frame)]
    for key, part in parts:
        if len(part) < 2:
            continue
        for column in count_columns(part):
            hidden = part[column].map(is_label)
            if int(hidden.sum()) == 1:
                problems.append(
                    f"{where}: group {key!r}: {column!r} hides one cell alone (row "
                    f"{hidden[hidden].index[0]}, 0-based), so it is the published "
                    "total minus the rest"
                )
    return problems


_COLUMNS = COUNT_COLUMNS | set(measures.REGISTRY) | set(measures.COLUMN_LABELS)
_HEADERS = {
    tables.header(name): name
    for name in sorted(_COLUMNS | {f"{m}{s}" for m in measures.REGISTRY for s in ("_lower", "_upper")})
}


def _number(value):
    if not isinstance(value, str):
        return value
    text = value.strip().replace(",", "").replace("£", "")
    if text in ("", "–"):
        return None
    if text == LABEL:
        return LABEL
    try:
        return float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        return value


def table_as_data(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as drawn (human headers, written numbers) read back as the contract's columns and numbers."""
    out = frame.rename(columns={h: _HEADERS.get(h, h) for h in frame.columns})
    for column in out.columns:
        values = [_number(v) for v in out[column]]
        if any(isinstance(v, float) for v in values) and all(
            v is None or isinstance(v, float) or v == LABEL for v in values
        ):
            out[column] = pd.Series(values, index=out.index, dtype=object)
    return out


def parse_count(text: str) -> float | None:
    """The number a tile shows if it is in count format (a bare whole number), else None."""
    text = str(text).strip()
    return float(text.replace(",", "")) if re.fullmatch(r"\d{1,3}(,\d{3})*|\d+", text) else None


def inspect_page(
    at, page: str, area: str, recorded: Downloads, *, ward_view: bool, charts: list | None = None
) -> list[str]:
    """Everything on a rendered page that shows a small count. In a Halton-wide view only tables of
    wards are ward-level; in a ward view every table, chart and tile is. `charts`: the page's chart_frames(at),
    when the caller has read them already (decoding every chart's data is a good part of an inspection)."""
    limit = threshold()
    problems = []
    where = f"{page} [{area}]"

    for n, element in enumerate(at.dataframe):
        frame = table_as_data(element.value)
        if ward_view or always_ward_level(frame):
            name = f"{where} table {n + 1} (columns {list(frame.columns)[:6]}...)"
            problems += small_count_problems(frame, name, limit)
            problems += derived_problems(frame, name)

    for name, frame in chart_frames(at) if charts is None else charts:
        if ward_view or always_ward_level(frame):
            problems += small_count_problems(frame, f"{where} {name}", limit)

    for file_name, payload in recorded:
        if file_name in HALTON_ONLY_DOWNLOADS:
            continue
        frame = csv_frame(payload)
        if not (ward_view or always_ward_level(frame)):
            continue
        name = f"{where} download {file_name}"
        problems += small_count_problems(frame, name, limit)
        problems += derived_problems(frame, name)
        for pattern, groups in PUBLISHED_TOTALS.items():
            if fnmatch.fnmatch(file_name, pattern):
                problems += secondary_problems(frame, name, groups)

    if ward_view:
        for tile in at.metric:
            label, value = str(tile.label), str(tile.value)
            if label in HALTON_ONLY_TILES or label in NOT_COUNT_TILES:
                continue
            number = parse_count(value)
            if number is not None and 1 <= number <= limit:
                problems.append(f"{where} tile {label!r}: shows the count {value!r}")
            if number is not None or is_label(value):  # a count tile: its sparkline shows counts too
                spark = [v for v in tile.proto.chart_data if not np.isnan(v)]
                small = [v for v in spark if 1 <= v <= limit and float(v).is_integer()]
                if small:
                    problems.append(f"{where} tile {label!r}: sparkline shows counts {small[:5]}")
            if label.startswith("Halton,") and is_label(value):
                problems.append(f"{where} tile {label!r}: a Halton-wide figure is suppressed")
    return problems


def inspect_view(at, page: str, area: str, recorded: Downloads, ward: str | None) -> list[str]:
    shown = page_problems(at)
    assert not shown, f"{page} [{area}]: the page shows exceptions or errors: {shown}"
    assert len(at.title) == 1, f"{page} [{area}]: expected one page title, got {[t.value for t in at.title]}"
    chosen = at.session_state["_filters"].wards
    assert chosen == ((ward,) if ward else ()), f"{page} [{area}]: the ward filter is {chosen}, not {ward}"
    # The inspection sees everything: every download's bytes and every chart's data.
    # (PNG and SVG are drawn from the same chart spec whose data sets are inspected below.)
    csv_buttons = [b for b in at.get("download_button") if "CSV" in b.proto.label]
    assert len(recorded) == len(csv_buttons), f"{page} [{area}]: a download was not recorded"
    charts = chart_frames(at)
    charted = {name.split(" (")[0].split(" data set")[0] for name, frame in charts if len(frame.columns)}
    assert len(charted) == len(at.get("vega_lite_chart")), f"{page} [{area}]: a chart's data was not read"
    return inspect_page(at, page, area, recorded, ward_view=ward is not None, charts=charts)


def render_all(at, recorded: Downloads, area: str, *, ward: str | None) -> tuple[list[str], dict[str, float]]:
    """Run the app, then every page in turn; inspect each. Returns the problems and seconds per page."""
    problems, seconds = [], {}
    for page in PAGES:
        recorded.clear()
        started = time.perf_counter()
        if page == PAGES[0]:
            at.run()  # the first run draws the default page, the overview, with the filter
        else:
            at.switch_page(page).run()
        seconds[page] = round(time.perf_counter() - started, 2)
        problems += inspect_view(at, page, area, recorded, ward)
        recorded.clear()
        # Lazy expanders and tabs draw only when open: open each, so every table and chart is inspected.
        for view in conftest.open_lazy_views(at):
            problems += inspect_view(at, page, f"{area}, {view}", recorded, ward)
            recorded.clear()
    return problems, seconds


def report(problems: list[str]) -> str:
    return f"{len(problems)} suppression problem(s):\n  " + "\n  ".join(problems[:40])


def check_every_page_for_the_ward(app, recorded: Downloads, ward: str, name: str) -> None:
    """The acceptance test for one ward: every page and every lazy view of it, filtered to `ward`."""
    at = app({"ward": [ward]})
    problems, seconds = render_all(at, recorded, f"{ward} {name}", ward=ward)
    print(f"{ward} {name}: {sum(seconds.values()):.1f}s {seconds}")
    assert not problems, report(problems)
