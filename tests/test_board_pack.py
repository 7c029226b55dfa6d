"""The board pack: the PDF for the fixture data and for ward views, read back with poppler (pdftotext, pdfinfo,
pdffonts, pdfimages, pdftoppm) as a reader would see it; the command line; and the chart export helpers.

Expected figures are worked out on paper from tests/fixtures.py, and compared with what the Overview shows for
the same view, so the pack can differ from neither.
"""

from __future__ import annotations

import csv
import re
import shutil
import struct
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import fixtures
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import PROJECT_ROOT, metrics

from onehalton import contract
from onehalton.board_pack import View, gather, render
from onehalton.db import Database

PRINTED = Path(__file__).parent / "data" / "budget_2020_21_m5_printed_totals.csv"
NOW = datetime(2024, 10, 20, 9, 0, tzinfo=UTC)
POPPLER = ("pdftotext", "pdfinfo", "pdffonts", "pdfimages", "pdftoppm")

# The fixture's last month, Sep 2024 (month index 17), worked out from tests/fixtures.py:
#   ward A: 100 attended + 10 DNA, residents 5,000 -> 22.0 per 1,000; DNA 10/110 = 9.1%
#   ward B: 50 + 17 attended + 5 DNA, residents 6,000 -> 12.0 per 1,000; DNA 5 is suppressed (1 to 7)
#   Halton: 182 appointments / 11,000 -> 16.5 per 1,000; DNA 15/182 = 8.2%
#   LD (all of Halton whatever the wards): (30 + 6) checks / (100 + 20) register = 30.0%
#   FDS (all of Halton): (30 + 9) / (40 + 10) = 78.0%, against 77.0% from April 2024
EXPECTED = {
    (): {
        "Appointments per 1,000 residents": "16.5",
        "Did not attend (DNA) rate": "8.2%",
        "Same-day share": "67.0%",  # (100 + 17 + 5) same day / 182 with a known lead time
        "Seen within two weeks": "100.0%",  # every fixture appointment is booked within 7 days
        "LD annual health checks (14+), year to date": "30.0%",
        "Cancer 28-day Faster Diagnosis": "78.0%",
    },
    # Ward A's DNA is hidden: Halton's 15 less ward A's 10 would give the other wards' 5 (the complement rule).
    (fixtures.WARD_A,): {
        "Appointments per 1,000 residents": "22.0",
        "Did not attend (DNA) rate": "*",
        "Same-day share": "90.9%",  # 100 / 110
        "Seen within two weeks": "100.0%",
        "LD annual health checks (14+), year to date": "30.0%",
        "Cancer 28-day Faster Diagnosis": "78.0%",
    },
    # Ward B: 72 appointments published at ward level as 70 (nearest 5), over 6,000 residents.
    (fixtures.WARD_B,): {
        "Appointments per 1,000 residents": "11.7",
        "Did not attend (DNA) rate": "*",
        "Same-day share": "28.6%",  # 22 same day published as 20, over 72 published as 70
        "Seen within two weeks": "100.0%",
        "LD annual health checks (14+), year to date": "30.0%",
        "Cancer 28-day Faster Diagnosis": "78.0%",
    },
}
# Cover, Making Data Count summary, one page for LD (projected to miss 75%: 60.0%), life-course indicators,
# the budget statement, the actuals by month.
FIXTURE_PAGES = 6


@pytest.fixture(scope="module", autouse=True)
def _poppler():
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"poppler-utils is needed to read the pack back ({', '.join(missing)} missing): "
            "apt-get install poppler-utils"
        )


def pdf_text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", "-layout", *pages, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def page_count(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


def page_sizes(path: Path) -> list[tuple[float, float]]:
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "99", str(path)], check=True, capture_output=True, text=True
    ).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)]


def pages_text(path: Path) -> list[str]:
    return [pdf_text(path, n) for n in range(1, page_count(path) + 1)]


def write_pack(database: Database, view: View, path: Path) -> Path:
    path.write_bytes(render(gather(view, database, now=NOW)))
    return path


@pytest.fixture(scope="module")
def packs(fixture_dir, tmp_path_factory) -> dict[tuple, Path]:
    """The pack for all of Halton and for each fixture ward on its own, made once for the module."""
    folder = tmp_path_factory.mktemp("packs")
    database = Database(fixture_dir)
    return {
        wards: write_pack(database, View(wards=wards), folder / f"pack-{'-'.join(wards) or 'halton'}.pdf")
        for wards in EXPECTED
    }


def mdc_rows(text: str) -> dict[str, str]:
    """The Making Data Count summary table: KPI label -> the text of its row. Cells are top-aligned, so a row
    runs from the line where its label starts to the line where the next one starts."""
    lines = text.splitlines()
    starts = {}
    for label in EXPECTED[()]:
        opening = " ".join(label.split()[:2])
        found = [i for i, line in enumerate(lines) if line.strip().startswith(opening)]
        if found:
            starts[label] = found[0]
    ends = sorted(starts.values()) + [
        next((i for i, line in enumerate(lines) if "Needs attention" in line), len(lines))
    ]
    return {label: " ".join(lines[start : ends[ends.index(start) + 1]]) for label, start in starts.items()}


# ----------------------------------------------------------------------------------------------
# The pack


@pytest.mark.parametrize("wards", list(EXPECTED), ids=["halton", "ward-a", "ward-b"])
def test_pack_has_the_expected_pages_on_a4(packs, wards):
    path = packs[wards]
    assert path.read_bytes().startswith(b"%PDF-")
    assert page_count(path) == FIXTURE_PAGES
    sizes = page_sizes(path)
    assert len(sizes) == FIXTURE_PAGES
    a4 = (595.28, 841.89)
    for i, (w, h) in enumerate(sizes, start=1):
        assert sorted((round(w, 0), round(h, 0))) == [round(a4[0]), round(a4[1])], f"page {i} is {w} x {h} pts"
    texts = pages_text(path)
    assert "Board pack: headline KPIs" in texts[0]
    assert "Making Data Count summary" in texts[1]
    assert "LD annual health checks (14+), year to date: needs" in texts[2]
    assert "Life-course indicators" in texts[3]
    assert "Budget statement" in texts[4]
    assert "Actuals by month, 2020/21" in texts[5]
    for n, text in enumerate(texts, start=1):
        assert f"Page {n} of {FIXTURE_PAGES}" in text


@pytest.mark.parametrize("wards", list(EXPECTED), ids=["halton", "ward-a", "ward-b"])
def test_every_kpi_value_is_printed_as_worked_out(packs, wards):
    rows = mdc_rows(pdf_text(packs[wards], 2))
    assert set(rows) == set(EXPECTED[wards]), rows
    for label, value in EXPECTED[wards].items():
        # The value is a word of its own in the KPI's row ("16.5", not part of "116.5").
        assert re.search(rf"(^|\s){re.escape(value)}(\s|$)", rows[label]), f"{label}: {value!r} not in {rows[label]!r}"


@pytest.mark.parametrize("wards", list(EXPECTED), ids=["halton", "ward-a", "ward-b"])
def test_pack_shows_what_the_overview_shows(fixture_dir, make_app, wards):
    """Every headline KPI's value in the pack is the value the Overview tile shows for the same link."""
    at = make_app(fixture_dir, query={"ward": list(wards)} if wards else None)
    shown = metrics(at)
    pack = gather(View(wards=wards), Database(fixture_dir), now=NOW)
    assert [k.label for k in pack.kpis] == list(EXPECTED[wards])
    for kpi in pack.kpis:
        assert kpi.label in shown, f"the Overview has no tile {kpi.label!r}: {sorted(shown)}"
        assert shown[kpi.label] == kpi.value_text == EXPECTED[wards][kpi.label]


def test_suppressed_values_are_suppressed(packs):
    # Ward B's DNA count is 5: its rate, interval and SPC are hidden, and the rate 5/72 = 6.9% appears nowhere.
    text = pdf_text(packs[(fixtures.WARD_B,)])
    dna = mdc_rows(pdf_text(packs[(fixtures.WARD_B,)], 2))["Did not attend (DNA) rate"]
    assert re.search(r"\s\*\s", dna), dna
    assert "SPC not shown" in pdf_text(packs[(fixtures.WARD_B,)], 2)
    assert "6.9%" not in text
    assert "Counts of 1 to 7" in text or "counts of 1 to 7" in text
    # Ward A's Year 6 obesity count is 3 of 40: suppressed with its rate (7.5%) and limits.
    indicators = pdf_text(packs[(fixtures.WARD_A,)], 4)
    obesity = next(line for line in indicators.splitlines() if "Year 6" in line)
    assert re.search(r"\s\*\s", obesity) and "suppressed" in obesity, obesity
    assert "7.5" not in indicators
    # All of Halton is never suppressed.
    assert "*" not in mdc_rows(pdf_text(packs[()], 2))["Did not attend (DNA) rate"]


def test_life_course_summary_benchmarks_halton_and_the_ward(packs):
    halton = pdf_text(packs[()], 4)
    # Year 6 obesity: Halton 300/1,000 = 30.0% (Wilson 27.2 to 32.9) against England 22.0%: worse.
    assert re.search(
        r"Year 6: prevalence of obesity.*2023/24\s+30\.0 \(27\.2 to 32\.9\)\s+22\.0\s+significantly worse", halton
    ), halton
    assert re.search(r"Employment rate \(16-64\).*70\.0 \(67\.1 to 72\.8\)\s+75\.0\s+significantly worse", halton)
    ward_b = pdf_text(packs[(fixtures.WARD_B,)], 4)
    # Appleton: 60/200 = 30.0% against Halton's 30.0%: similar.
    assert re.search(r"30\.0 \(24\.1 to 36\.7\)\s+similar to Halton", ward_b), ward_b
    assert "not available at" in ward_b  # employment has no ward figures


def printed_totals() -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    with PRINTED.open(newline="") as handle:
        for row in csv.DictReader(handle):
            out.setdefault(row["scope"], {})[row["measure"]] = int(row["printed_gbp"])
    return out


def numbers(line: str) -> list[int]:
    return [int(n.replace(",", "")) for n in re.findall(r"-?\d[\d,]*", line)]


def test_budget_statement_reproduces_the_printed_totals_to_the_pound(packs):
    printed = printed_totals()
    path = packs[()]
    statement, monthly = pdf_text(path, 5), pdf_text(path, 6)
    total = printed["All"]
    headline = " ".join(statement.splitlines()[:12])
    for measure in ("annual_budget", "ytd_actuals", "m5_accruals", "m12_total", "variance"):
        assert f"£{total[measure]:,}" in headline, f"{measure}: £{total[measure]:,} not in the headline figures"
    grand = next(line for line in statement.splitlines() if line.strip().startswith("Grand total"))
    assert numbers(grand) == [
        total[m]
        for m in ("annual_budget", "prior_year_invoices", "ytd_actuals", "m5_accruals", "m12_total", "variance")
    ]
    by_month = next(line for line in monthly.splitlines() if line.strip().startswith("Grand total"))
    assert numbers(by_month) == [total.get(f"month_{m}", 0) for m in range(1, 6)]
    for source in ("Place Based", "Carried Over", "Leadership Academy"):
        lines = statement.splitlines()
        # A long subtotal label wraps onto the next line; its figures are on the first.
        line = next(
            line
            for line, after in zip(lines, lines[1:] + [""])
            if f"{source} subtotal" in line.strip().split("  ")[0] + " " + ("" if numbers(after) else after.strip())
        )
        expected = printed[source]
        assert numbers(line)[-1] == expected["variance"], line
        assert numbers(line)[0] == expected["annual_budget"], line


def test_budget_rounds_half_up_from_exact_pence(fixture_copy, tmp_path):
    """A line of £1,001.50 with £2.50 spent in April: the annual budget becomes £777,124.50 and prints £777,125,
    the April actuals 3: half up from the exact Decimal, not banker's rounding (£777,124 and 2) nor float."""
    table = pq.read_table(fixture_copy / "budget_spend.parquet")
    extra = [
        dict(
            financial_year="2020/21",
            org_ledger="Halton CCG",
            funding_source="Place Based",
            line_title="Rounding check",
            host="NWBH",
            entry_type=kind,
            month=month,
            amount_gbp=amount,
            is_synthetic=False,
        )
        for kind, month, amount in (("budget", None, Decimal("1001.50")), ("actual", 1, Decimal("2.50")))
    ]
    rows = table.to_pylist() + extra
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), fixture_copy / "budget_spend.parquet")
    path = write_pack(Database(fixture_copy), View(), tmp_path / "pack.pdf")
    statement = pdf_text(path, 5) + pdf_text(path, 6)
    line = next(line for line in pdf_text(path, 5).splitlines() if line.strip().startswith("Rounding check"))
    assert numbers(line) == [1002, 0, 3, 0, 3, 999], line  # budget, prior-year, YTD, accruals, M12, variance
    exact = sum(
        Decimal(r["amount_gbp"]) for r in rows if r["entry_type"] == "budget" and r["financial_year"] == "2020/21"
    )
    assert exact == Decimal("777124.50")  # premise: a half pound over an even one
    assert "£777,125" in " ".join(pdf_text(path, 5).split()[:60])
    month_line = next(line for line in pdf_text(path, 6).splitlines() if line.strip().startswith("Rounding check"))
    assert numbers(month_line) == [3, 0, 0, 0, 0], month_line
    # The grand total's April actuals: £9,438 + £2.50 = £9,440.50 -> 9,441.
    grand = [line for line in statement.splitlines() if line.strip().startswith("Grand total")][-1]
    assert numbers(grand)[0] == 9441, grand


def test_cover_states_area_period_as_of_dates_and_synthetic_data(packs):
    cover = pdf_text(packs[(fixtures.WARD_A,)], 1)
    assert "Norton South & Preston Brook" in cover and fixtures.WARD_A in cover
    assert "Apr 2023 to Sep 2024" in cover
    assert "2020/21, as at Month 5 (August)" in cover
    assert "2024-10-15" in cover  # the manifest's as_of
    assert "Synthetic demo data." in cover
    assert f"?ward={fixtures.WARD_A}" in cover
    # The budget extract is the published statement: marked not synthetic, and absent from the notice.
    notice = " ".join(cover.split())
    listed = notice.split("Synthetic demo data.")[1].split("generated for demonstration")[0]
    assert "GP appointments" in listed and "budget" not in listed.lower()


def test_no_synthetic_notice_for_real_extracts(fixture_copy, tmp_path):
    manifest = fixture_copy / contract.MANIFEST_FILE
    manifest.write_text(manifest.read_text().replace('"synthetic": true', '"synthetic": false'))
    text = pdf_text(write_pack(Database(fixture_copy), View(), tmp_path / "pack.pdf"))
    assert "Synthetic demo data" not in text and "synthetic demo data" not in text


def test_fonts_are_embedded_and_charts_are_vectors(packs):
    fonts = subprocess.run(["pdffonts", str(packs[()])], check=True, capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows, fonts
    for row in rows:
        assert re.search(r"\byes\s+yes\s+yes\b", row), f"a font is not embedded and subset: {row}"
    images = subprocess.run(["pdfimages", "-list", str(packs[()])], check=True, capture_output=True, text=True).stdout
    assert len(images.splitlines()) == 2, f"the pack holds raster images:\n{images}"


def failing_fds_copy(folder: Path) -> Path:
    """The fixture with FDS at 35 and 36 of 50 in turn (70%, 72%): mean 71.0%, every moving range 2 points, so
    the upper limit 71.0 + 2.66 x 2.0 = 76.3% is below the 77% target: Consistently failing, and FDS gets a page
    with its XmR chart."""
    rows = []
    for i, month in enumerate(fixtures.MONTHS):
        within = 35 + i % 2
        rows.append(
            dict(
                period=month,
                standard="28-day FDS",
                org_code="01F",
                cancer_type="Suspected lung cancer",
                stage_route="URGENT SUSPECTED CANCER",
                total=50,
                within_standard=within,
                breaches=50 - within,
            )
        )
    fixtures.write(folder, "cancer_fds", rows)
    return folder


def test_a_failing_kpi_gets_a_page_with_its_xmr_chart(fixture_copy, tmp_path):
    path = write_pack(Database(failing_fds_copy(fixture_copy)), View(), tmp_path / "pack.pdf")
    assert page_count(path) == FIXTURE_PAGES + 1
    texts = pages_text(path)
    summary = mdc_rows(texts[1])["Cancer 28-day Faster Diagnosis"]
    assert "72.0%" in summary  # Sep 2024 is month index 17: 35 + 17 % 2 = 36 of 50
    page = next(t for t in texts if "Cancer 28-day Faster Diagnosis: needs attention" in t)
    flat = " ".join(page.split())
    assert "Consistently failing the target" in flat
    assert "Cancer 28-day Faster Diagnosis, Halton: XmR chart" in flat  # the chart's own title, as vector text
    assert "Target 77.0%" in flat  # the target rule's label in the chart
    assert "will not be met without a change to the process" in flat
    # The figures behind it: the latest 12 months, Oct 2023 to Sep 2024, with the process limits.
    assert "Oct 2023" in page and "Sep 2024" in page and "Sep 2023" not in page.split("figures behind it")[1]
    assert re.search(r"Sep 2024\s+36\s+50\s+72\.0%\s+71\.0%\s+65\.7% to 76\.3%", page), page


def test_pages_render_to_png(packs, tmp_path):
    """pdftoppm draws every page (tests/test_board_pack.py is where a person looks at them too)."""
    path = packs[(fixtures.WARD_A,)]
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == FIXTURE_PAGES
    for png in pngs:
        header = png.read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", header[16:24])
        assert {round(width / 40 * 72), round(height / 40 * 72)} <= {595, 596, 841, 842}, (png.name, width, height)


def test_a_view_the_data_lacks_is_refused_by_name(fixture_dir):
    from onehalton.board_pack import BadView

    database = Database(fixture_dir)
    for view, named in (
        (View(wards=("E05999999",)), "E05999999"),
        (View(start="2019-01"), "from='2019-01'"),
        (View(fy="1999/00"), "fy='1999/00'"),
        (View(month=13), "month=13"),
    ):
        with pytest.raises(BadView, match=re.escape(named)):
            gather(view, database)


def test_view_from_a_dashboard_link():
    from onehalton.board_pack import BadView

    class QueryParams(dict):  # st.query_params' interface: get_all for a repeated parameter
        def get_all(self, key):
            return self.get(key, [])

    link = {
        "ward": [fixtures.WARD_A, fixtures.WARD_B, fixtures.WARD_A],
        "from": ["2023-10"],
        "fy": ["2020/21"],
        "month": ["4", "5"],
    }
    expected = View((fixtures.WARD_A, fixtures.WARD_B), "2023-10", None, "2020/21", 5)  # the last month wins
    assert View.from_query(link) == View.from_query(QueryParams(link)) == expected
    assert View.from_query({}) == View()
    from onehalton.filters import Filters

    chosen = Filters((fixtures.WARD_B,), ("Appleton",), date(2023, 10, 1), date(2024, 9, 1))
    assert View.from_filters(chosen, "2020/21", "5") == View((fixtures.WARD_B,), "2023-10", "2024-09", "2020/21", 5)
    with pytest.raises(BadView, match="month"):
        View.from_query({"month": ["May"]})


def test_period_and_budget_filters_change_the_pack(fixture_dir, tmp_path):
    path = write_pack(Database(fixture_dir), View(start="2023-10", end="2024-06", month=3), tmp_path / "pack.pdf")
    text = pdf_text(path)
    assert "Oct 2023 to Jun 2024" in text
    assert "2020/21, as at Month 3 (June)" in text
    # 9 months are too few for SPC (15 needed); every KPI says so rather than judging.
    rows = mdc_rows(pdf_text(path, 2))
    for label in ("Appointments per 1,000 residents", "Did not attend (DNA) rate", "Cancer 28-day Faster Diagnosis"):
        assert "Fewer than 15" in rows[label] and "too few" in rows[label], rows[label]
    # Halton in Jun 2024 (month index 14): 110 + 50 + 14 + 5 = 179 / 11,000 -> 16.3 per 1,000.
    assert re.search(r"(^|\s)16\.3(\s|$)", mdc_rows(pdf_text(path, 2))["Appointments per 1,000 residents"])


def test_a_missing_extract_leaves_the_rest_of_the_pack(fixture_copy, tmp_path):
    (fixture_copy / "cancer_fds.parquet").write_bytes(b"not a parquet file")
    path = write_pack(Database(fixture_copy), View(), tmp_path / "pack.pdf")
    summary = " ".join(pdf_text(path, 2).split())
    assert "Cancer 28-day Faster Diagnosis:" in summary and "cancer_fds.parquet" in summary
    assert "16.5" in summary  # the other KPIs are still there


# ----------------------------------------------------------------------------------------------
# The command line


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "onehalton.board_pack", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_command_line_makes_the_pack_for_a_ward(fixture_dir, tmp_path):
    out = tmp_path / "monthly" / "pack.pdf"
    done = run_cli(
        "--out",
        str(out),
        "--data-dir",
        str(fixture_dir),
        "--ward",
        fixtures.WARD_B,
        "--fy",
        "2020/21",
        "--month",
        "5",
        "--from",
        "2023-04",
        "--to",
        "2024-09",
    )
    assert done.returncode == 0, done.stderr
    assert page_count(out) == FIXTURE_PAGES
    rows = mdc_rows(pdf_text(out, 2))
    assert re.search(r"(^|\s)11\.7(\s|$)", rows["Appointments per 1,000 residents"])
    assert f"wrote {out}" in done.stderr
    assert "No runtime found" not in done.stderr  # the bare-runtime warnings are expected, and kept out of the log


def test_command_line_names_a_bad_option_without_a_traceback(fixture_dir, tmp_path):
    done = run_cli("--out", str(tmp_path / "pack.pdf"), "--data-dir", str(fixture_dir), "--ward", "E05999999")
    assert done.returncode == 2
    assert "E05999999" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "pack.pdf").exists()
    done = run_cli("--out", str(tmp_path / "pack.pdf"), "--data-dir", str(tmp_path / "nowhere"))
    assert done.returncode == 2 and "does not exist" in done.stderr and "Traceback" not in done.stderr


# ----------------------------------------------------------------------------------------------
# Chart export


def dashboard_spec() -> dict:
    """A chart's spec as the dashboard hands it to st.vega_lite_chart (onehalton.charts' own recipe): its rows a
    DataFrame under the chart's named dataset, with a missing value and dates."""
    from onehalton import charts

    frame = pd.DataFrame(
        {
            "month": pd.date_range("2024-04-01", periods=6, freq="MS"),
            "value": [0.5, 0.52, 0.55, None, 0.61, 0.6],
            "area_name": ["Halton"] * 6,
        }
    )
    spec = charts.trend(
        frame, x="month", y="value", kind="pct", title="Export check", y_title="Share", color="area_name"
    ).spec()
    assert any(isinstance(v, pd.DataFrame) for v in spec.get("datasets", {}).values()), "premise: the rows"
    return spec


def test_chart_exports_as_svg_with_its_data():
    from onehalton import chart_export

    svg = chart_export.to_svg(dashboard_spec()).decode()
    assert svg.startswith("<svg")
    assert "Export check" in svg and "Share" in svg and "60%" in svg  # title, axis title, a tick from the data
    assert chart_export.FONT_FAMILY in svg
    assert svg.count("<path") > 3  # the line and its points are drawn


def test_chart_exports_as_png_at_twice_its_size():
    from onehalton import chart_export

    spec = dashboard_spec()
    png = chart_export.to_png(spec, width=400, scale=2)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    once = chart_export.to_png(spec, width=400, scale=1)
    assert (width, height) == tuple(2 * v for v in struct.unpack(">II", once[16:24]))
    assert width == 800  # the dashboard's charts fit the width asked for (autosize fit): 400 px, doubled


def test_chart_export_refuses_to_fetch_data():
    from onehalton import chart_export

    spec = {
        "data": {"url": "https://example.org/data.csv"},
        "mark": "point",
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
    }
    with pytest.raises(ValueError, match="External data url not allowed"):
        chart_export.to_svg(spec)


def test_currency_axes_print_pounds():
    from onehalton import chart_export

    spec = {
        "data": {"values": [{"source": "Place Based", "amount": 546561.0}]},
        "mark": "bar",
        "encoding": {
            "x": {"field": "amount", "type": "quantitative", "axis": {"format": "$,.0f"}},
            "y": {"field": "source", "type": "nominal"},
        },
    }
    svg = chart_export.to_svg(spec).decode()
    assert "£500,000" in svg and "$" not in svg


def test_exported_dataset_keeps_dates_and_missing_values():
    from onehalton import chart_export

    prepared = chart_export.prepare(dashboard_spec())
    rows = next(iter(prepared["datasets"].values()))
    assert rows[0]["month"].startswith("2024-04-01")
    assert rows[3]["value"] is None
    assert prepared["config"]["font"] == chart_export.FONT_FAMILY
    assert isinstance(prepared["width"], int)


def test_pack_build_needs_no_streamlit_runtime(fixture_dir, tmp_path):
    """A bare interpreter with no Streamlit runtime builds the pack (it reads db.Database, not the caches)."""
    code = (
        "import sys; from pathlib import Path; from onehalton.db import Database; "
        "from onehalton.board_pack import View, build_pack; "
        f"pdf = build_pack(View(), Database(Path({str(fixture_dir)!r}))); "
        "sys.stdout.write(str(len(pdf)) if pdf[:5] == b'%PDF-' else 'not a PDF')"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 10_000


def test_fixture_months_premise():
    # The expected figures above assume the fixture ends in Sep 2024 with 18 months.
    assert fixtures.MONTHS[-1] == date(2024, 9, 1) and len(fixtures.MONTHS) == 18
