"""Tests for the deterministic demo data generator (onehalton.demo_data)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pyarrow.parquet as pq
import pytest

from onehalton import contract as C
from onehalton import demo_data as D
from onehalton import inequality

END = dt.date(2025, 11, 1)  # fixed, so the suite does not depend on today's date
ROOT = Path(__file__).resolve().parent.parent
REFERENCE_LINES = ROOT / "data" / "reference" / "budget_2020_21_m5_lines.csv"
PRINTED_TOTALS = Path(__file__).resolve().parent / "data" / "budget_2020_21_m5_printed_totals.csv"

# The physical types the task fixes for each contract kind (kept here, not imported, so the
# test does not just compare the generator with itself).
EXPECTED_ARROW = {
    "text": pa.string(),
    "count": pa.int64(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "money": pa.decimal128(14, 2),
    "date": pa.date32(),
    "boolean": pa.bool_(),
}


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo_a")
    return out, D.generate(out, scale=1, end_month=END)


@pytest.fixture(scope="module")
def con(demo) -> duckdb.DuckDBPyConnection:
    out, _ = demo
    c = duckdb.connect()
    for t in C.TABLES:
        c.execute(f"CREATE VIEW {t.name} AS SELECT * FROM read_parquet('{_parquet_glob(out, t.name)}')")
    return c


@pytest.fixture(scope="module")
def scale2(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo_scale2")
    return out, D.generate(out, scale=2, end_month=END)


def _parquet_glob(out: Path, name: str) -> str:
    folder = out / name
    return str(folder / "*.parquet") if folder.is_dir() else str(out / f"{name}.parquet")


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _one(con, sql: str):
    return con.execute(sql).fetchone()[0]


# ------------------------------------------------------------------------------------------ determinism


def test_same_arguments_give_byte_identical_files(demo, tmp_path):
    out, _ = demo
    D.generate(tmp_path, scale=1, end_month=END)
    first, second = _hashes(out), _hashes(tmp_path)
    assert set(first) == {f"{t.name}.parquet" for t in C.TABLES} | {"manifest.json"}
    assert first == second


def test_a_different_seed_changes_the_synthetic_data(demo, tmp_path):
    out, _ = demo
    D.generate(tmp_path, scale=1, end_month=END, seed=7)
    a, b = _hashes(out), _hashes(tmp_path)
    assert a["appointments.parquet"] != b["appointments.parquet"]
    assert a["wards.parquet"] == b["wards.parquet"]  # reference facts do not depend on the seed


def test_parquet_files_carry_no_timestamps(demo):
    out, _ = demo
    for path in out.glob("*.parquet"):
        meta = pq.read_metadata(path)
        keys = set((meta.metadata or {}).keys())
        assert keys <= {b"ARROW:schema"}, (path.name, keys)


# ------------------------------------------------------------------------------------------ contract


@pytest.mark.parametrize("table", C.TABLES, ids=lambda t: t.name)
def test_columns_and_physical_types_match_the_contract(demo, table):
    out, _ = demo
    schema = pq.read_schema(out / f"{table.name}.parquet")
    assert schema.names == list(table.column_names)
    for col in table.columns:
        assert schema.field(col.name).type == EXPECTED_ARROW[col.kind], (table.name, col.name)


@pytest.mark.parametrize("table", C.TABLES, ids=lambda t: t.name)
def test_duckdb_types_are_ones_the_contract_accepts(con, table):
    described = {r[0]: r[1] for r in con.execute(f"DESCRIBE {table.name}").fetchall()}
    for col in table.columns:
        base = described[col.name].split("(")[0]
        assert base in C.KINDS[col.kind], (table.name, col.name, described[col.name])


@pytest.mark.parametrize("table", C.TABLES, ids=lambda t: t.name)
def test_rows_respect_the_contract(con, table):
    t = table.name
    assert _one(con, f"SELECT count(*) FROM {t}") > 0
    key = ", ".join(table.key)
    dupes = _one(con, f"SELECT count(*) FROM (SELECT {key} FROM {t} GROUP BY ALL HAVING count(*) > 1)")
    assert dupes == 0, f"{t}: duplicate keys"
    for col in table.columns:
        c = col.name
        if not col.nullable:
            assert _one(con, f"SELECT count(*) FROM {t} WHERE {c} IS NULL") == 0, (t, c)
        if col.allowed is not None:
            bad = con.execute(f"SELECT DISTINCT {c} FROM {t} WHERE {c} IS NOT NULL").fetchall()
            assert {r[0] for r in bad} <= set(col.allowed), (t, c)
        if col.minimum is not None:
            assert _one(con, f"SELECT count(*) FROM {t} WHERE {c} < {col.minimum}") == 0, (t, c)
        if col.maximum is not None:
            assert _one(con, f"SELECT count(*) FROM {t} WHERE {c} > {col.maximum}") == 0, (t, c)
        if col.references:
            rt, rc = col.references.split(".")
            orphans = _one(
                con, f"SELECT count(*) FROM {t} WHERE {c} IS NOT NULL AND {c} NOT IN (SELECT {rc} FROM {rt})"
            )
            assert orphans == 0, (t, c)
        if col.not_future:
            assert _one(con, f"SELECT max({c}) FROM {t}") <= END, (t, c)
    for rule in table.rules:
        assert _one(con, f"SELECT count(*) FROM {t} WHERE {rule.bad_when}") == 0, (t, rule.name)


def test_rows_are_sorted_by_key(demo):
    out, _ = demo
    key = list(C.APPOINTMENTS.key)
    tbl = pq.read_table(out / "appointments.parquet", columns=key)
    # Codes sort as text; category columns sort in the contract's order of allowed values.
    ranked = {}
    for name in key:
        col = C.APPOINTMENTS.column(name)
        if col.allowed is not None:
            ranked[name] = pa.compute.index_in(tbl[name], value_set=pa.array(col.allowed))
        else:
            ranked[name] = tbl[name]
    order = pa.compute.sort_indices(pa.table(ranked), sort_keys=[(k, "ascending") for k in key])
    assert order.to_numpy().tolist() == list(range(tbl.num_rows))


def test_manifest_describes_every_table(demo):
    out, _ = demo
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest) == {t.name for t in C.TABLES}
    for name, entry in manifest.items():
        assert set(entry) == set(C.MANIFEST_FIELDS), name
        assert entry["as_of"] == "2025-11-30"
        dt.date.fromisoformat(entry["period_start"])
        assert dt.date.fromisoformat(entry["period_end"]) <= dt.date(2025, 11, 30)
    assert manifest["appointments"]["synthetic"] is True
    assert manifest["budget_spend"]["synthetic"] is True
    assert "2020/21" in manifest["budget_spend"]["notes"]
    assert manifest["appointments"]["period_start"] == "2019-04-01"
    assert manifest["appointments"]["period_end"] == "2025-11-01"


def test_summary_counts_rows(demo, con):
    _, summary = demo
    assert list(summary["rows"]) == [t.name for t in C.TABLES]
    for t in C.TABLES:
        assert summary["rows"][t.name] == _one(con, f"SELECT count(*) FROM {t.name}")
    assert 500_000 <= summary["rows"]["appointments"] <= 1_500_000


# ------------------------------------------------------------------------------------------ reference tables


def test_wards_are_halton_with_one_verified_code(con):
    rows = con.execute(
        "SELECT ward_code, ward_name, town, imd_score, code_verified FROM wards ORDER BY ward_code"
    ).fetchall()
    assert len(rows) == 18
    assert [r[0] for r in rows] == [f"E050131{n}" for n in range(69, 87)]
    verified = [r for r in rows if r[4]]
    assert [(r[0], r[1]) for r in verified] == [("E05013186", "Norton South & Preston Brook")]
    towns = {r[1]: r[2] for r in rows}
    assert towns["Halton Castle"] == "Runcorn" and towns["Farnworth"] == "Widnes"
    assert min(r[3] for r in rows) < 15 and max(r[3] for r in rows) > 50


def test_ward_populations_are_plausible(con):
    per_ward = [r[0] for r in con.execute("SELECT sum(population) FROM ward_population GROUP BY ward_code").fetchall()]
    assert all(5_000 <= p <= 9_500 for p in per_ward)
    assert 126_000 <= sum(per_ward) <= 131_000
    # More deprived wards skew younger.
    corr = _one(
        con,
        """SELECT corr(w.imd_score, young / total) FROM wards w JOIN (
        SELECT ward_code, sum(population) FILTER (WHERE age_band IN ('0-4', '5-17')) young, sum(population) total
        FROM ward_population GROUP BY 1) USING (ward_code)""",
    )
    assert corr > 0.8


def test_practices_match_the_brief(con):
    rows = {
        r[0]: r
        for r in con.execute("SELECT gp_code, gp_name, pcn_code, list_size, code_verified FROM practices").fetchall()
    }
    assert len(rows) == 14
    assert rows["N81035"][1] == "Fir Park Medical Centre" and rows["N81035"][4] is True
    assert 125_000 <= sum(r[3] for r in rows.values()) <= 135_000
    by_name = {r[1]: r for r in rows.values()}
    assert by_name["Tower House Practice"][3] == 13_000 and by_name["Tower House Practice"][4] is False
    assert by_name["Weaver Vale Practice"][3] == 9_000
    assert {r[2] for r in rows.values()} == set(r[0] for r in con.execute("SELECT pcn_code FROM pcns").fetchall())
    assert _one(con, "SELECT count(DISTINCT sub_icb_location_code) FROM pcns") == 1
    assert _one(con, "SELECT min(sub_icb_location_code) FROM pcns") == "01F"


def test_targets(con):
    rows = con.execute("SELECT kpi_code, target_value, effective_from FROM targets ORDER BY 1, 3").fetchall()
    assert rows == [
        ("cancer_fds", 0.75, dt.date(2023, 10, 1)),
        ("cancer_fds", 0.77, dt.date(2024, 4, 1)),
        ("cancer_fds", 0.80, dt.date(2025, 4, 1)),
        ("ld_health_check_uptake", 0.75, dt.date(2019, 4, 1)),
        ("two_week_share", 0.90, dt.date(2023, 5, 1)),  # the labelled local example
    ]
    labels = con.execute("SELECT label, source FROM targets WHERE kpi_code = 'two_week_share'").fetchall()
    assert labels and all(label.startswith("Local example") and "LOCAL EXAMPLE" in source for label, source in labels)


# ------------------------------------------------------------------------------------------ appointments


def _share(con, where: str, months: str) -> float:
    return _one(
        con,
        f"""SELECT sum(count_of_appointments) FILTER (WHERE {where}) / sum(count_of_appointments)
                          FROM appointments WHERE {months}""",
    )


def test_monthly_appointments_volume(con):
    mean = _one(
        con,
        """SELECT avg(n) FROM (SELECT appointment_month, sum(count_of_appointments) n
                        FROM appointments GROUP BY 1)""",
    )
    assert 50_000 <= mean <= 62_000
    months = _one(con, "SELECT count(DISTINCT appointment_month) FROM appointments")
    assert months == 80  # April 2019 .. November 2025
    by_month = dict(
        con.execute(
            "SELECT month(appointment_month), avg(n) FROM (SELECT appointment_month, "
            "sum(count_of_appointments) n FROM appointments WHERE appointment_month >= '2022-04-01' "
            "GROUP BY 1) GROUP BY 1"
        ).fetchall()
    )
    assert by_month[8] < min(by_month[m] for m in (1, 10, 11))  # August dips, winter is busy


def test_covid_shape_in_the_mode_mix(con):
    f2f = "appt_mode = 'Face-to-Face'"
    assert 0.60 <= _share(con, f2f, "appointment_month < '2020-03-01'") <= 0.70
    assert 0.40 <= _share(con, f2f, "appointment_month BETWEEN '2020-04-01' AND '2020-06-01'") <= 0.45
    assert 0.60 <= _share(con, f2f, "appointment_month >= '2022-04-01'") <= 0.65
    phone_pre = _share(con, "appt_mode = 'Telephone'", "appointment_month < '2020-03-01'")
    phone_covid = _share(con, "appt_mode = 'Telephone'", "appointment_month = '2020-05-01'")
    assert phone_covid > phone_pre + 0.15
    video_may = _share(con, "appt_mode = 'Video Conference/Online'", "appointment_month = '2019-06-01'")
    video_june = _share(con, "appt_mode = 'Video Conference/Online'", "appointment_month = '2020-06-01'")
    assert video_june > 3 * video_may


def test_status_lead_time_and_staff_mix(con):
    everything = "TRUE"
    assert 0.04 <= _share(con, "appt_status = 'DNA'", everything) <= 0.05
    assert 0.02 <= _share(con, "appt_status = 'Unknown'", everything) <= 0.03
    assert 0.40 <= _share(con, "time_between_book_and_appt = 'Same Day'", everything) <= 0.45
    assert 0.40 <= _share(con, "hcp_type = 'GP'", everything) <= 0.50
    assert 0.45 <= _share(con, "hcp_type = 'Other Practice staff'", everything) <= 0.55
    assert _share(con, "hcp_type = 'Unknown'", everything) < 0.06
    used = {r[0] for r in con.execute("SELECT DISTINCT time_between_book_and_appt FROM appointments").fetchall()}
    assert "Unknown / Data Quality" in used and "Unknown / Data Issue" not in used
    home_75 = _one(
        con,
        """SELECT sum(count_of_appointments) FILTER (WHERE age_band IN ('75-84', '85+'))
                           / sum(count_of_appointments) FROM appointments WHERE appt_mode = 'Home Visit'""",
    )
    assert home_75 > 0.7


def test_older_people_and_deprived_wards_need_more(con):
    rates = dict(
        con.execute("""
        WITH a AS (SELECT age_band, sum(count_of_appointments) / 12.0 n FROM appointments
                   WHERE appointment_month BETWEEN '2023-04-01' AND '2024-03-01' GROUP BY 1),
             p AS (SELECT age_band, sum(population) pop FROM ward_population GROUP BY 1)
        SELECT age_band, n * 12 / pop FROM a JOIN p USING (age_band)""").fetchall()
    )
    assert rates["5-17"] < rates["18-64"] < rates["65-74"] < rates["75-84"] < rates["85+"]
    assert 1.5 <= rates["5-17"] <= 4 and rates["85+"] >= 9
    dna = con.execute("""
        WITH x AS (SELECT w.imd_score,
                          sum(count_of_appointments) FILTER (WHERE appt_status = 'DNA')
                            / sum(count_of_appointments) dna
                   FROM appointments a JOIN wards w USING (ward_code) GROUP BY 1)
        SELECT corr(imd_score, dna) FROM x""").fetchone()[0]
    assert dna > 0.95  # smooth deprivation gradient, not noise
    assert _share(con, "appt_status = 'DNA'", "age_band = '18-64'") > _share(
        con, "appt_status = 'DNA'", "age_band IN ('65-74', '75-84', '85+')"
    )


def test_patients_mostly_use_a_practice_in_their_own_town(con):
    same = _one(
        con,
        """SELECT sum(count_of_appointments) FILTER (WHERE rw.town = pw.town) / sum(count_of_appointments)
        FROM appointments a JOIN practices p USING (gp_code) JOIN wards pw ON p.ward_code = pw.ward_code
        JOIN wards rw ON a.ward_code = rw.ward_code""",
    )
    assert 0.95 <= same < 1.0


# ------------------------------------------------------------------------------------------ other extracts


def test_ld_register_in_2020(con):
    regs = [
        r[0]
        for r in con.execute("""SELECT sum(denominator + declined) FROM ld_health_checks
        WHERE year(achievement_month) = 2020 GROUP BY achievement_month""").fetchall()
    ]
    assert len(regs) == 12 and all(700 <= r <= 780 for r in regs)
    young = _one(
        con,
        "SELECT sum(denominator + declined) FROM ld_health_checks WHERE achievement_month = '2020-12-01' "
        "AND indicator_code = 'LDHCMI034'",
    )
    assert 45 <= young <= 75


def test_ld_checks_are_cumulative_within_the_financial_year(con):
    rows = con.execute("""SELECT gp_code, indicator_code, achievement_month, numerator FROM ld_health_checks
                          ORDER BY 1, 2, 3""").fetchall()
    prev = {}
    resets = 0
    for gp, ind, month, num in rows:
        key = (gp, ind)
        if key in prev and month.month != 4:
            assert num >= prev[key], (gp, ind, month)
        if key in prev and month.month == 4 and num < prev[key]:
            resets += 1
        prev[key] = num
    assert resets > 0
    uptake = dict(
        con.execute("""SELECT year(achievement_month), sum(numerator) / sum(denominator + declined)
        FROM ld_health_checks WHERE month(achievement_month) = 3 GROUP BY 1""").fetchall()
    )
    assert 0.55 <= uptake[2020] <= 0.65  # 2019/20 year end
    assert uptake[2021] < uptake[2020]  # Covid dip in 2020/21
    assert all(0.70 <= uptake[y] <= 0.82 for y in (2022, 2023, 2024, 2025))
    q4 = _one(
        con,
        """SELECT sum(numerator) FILTER (WHERE achievement_month = '2024-03-01')
                      - sum(numerator) FILTER (WHERE achievement_month = '2023-12-01') FROM ld_health_checks""",
    )
    year = _one(con, "SELECT sum(numerator) FROM ld_health_checks WHERE achievement_month = '2024-03-01'")
    assert q4 / year > 0.4  # checks bunch in Q4


def test_cancer_fds_volume_and_performance(con):
    totals = [r[0] for r in con.execute("SELECT sum(total) FROM cancer_fds GROUP BY period").fetchall()]
    assert len(totals) == 80 and all(400 <= t <= 800 for t in totals)
    assert 550 <= sum(totals) / len(totals) <= 650
    perf = dict(
        con.execute("""SELECT CASE WHEN period < '2022-04-01' THEN 'early'
                                          WHEN period >= '2025-04-01' THEN '2025/26' END,
                                  sum(within_standard) / sum(total)
                               FROM cancer_fds GROUP BY 1""").fetchall()
    )
    assert 0.70 <= perf["early"] <= 0.745
    assert 0.76 <= perf["2025/26"] <= 0.80
    routes = dict(con.execute("SELECT stage_route, sum(total) FROM cancer_fds GROUP BY 1").fetchall())
    all_told = sum(routes.values())
    assert routes["URGENT SUSPECTED CANCER"] / all_told > 0.8
    assert 0.05 <= routes["BREAST SYMPTOMATIC, CANCER NOT SUSPECTED"] / all_told <= 0.08
    assert 0.05 <= routes["NATIONAL SCREENING PROGRAMME"] / all_told <= 0.08
    by_type = dict(
        con.execute("SELECT cancer_type, sum(within_standard) / sum(total) FROM cancer_fds GROUP BY 1").fetchall()
    )
    assert by_type["Suspected skin cancer"] > by_type["Suspected lower gastrointestinal cancer"]
    assert by_type["Suspected skin cancer"] > by_type["Suspected urological malignancies (excluding testicular)"]
    pairs = con.execute("SELECT DISTINCT stage_route, cancer_type FROM cancer_fds").fetchall()
    for route, ctype in pairs:
        if route == "URGENT SUSPECTED CANCER":
            assert ctype.startswith("Suspected") or ctype in (
                "Other suspected cancer (not listed)",
                "Missing or invalid",
            )
        elif route == "NATIONAL SCREENING PROGRAMME":
            assert ctype.endswith("screening")
        else:
            assert ctype.startswith("Exhibited (non-cancer) breast symptoms")


# ------------------------------------------------------------------------------------------ budget


def _reference_sums() -> dict[str, Decimal]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    with REFERENCE_LINES.open(newline="") as fh:
        for r in csv.DictReader(fh):
            sums[r["entry_type"]] += Decimal(r["amount_gbp"])
    return sums


def test_budget_2020_21_is_the_published_statement(con):
    got = dict(
        con.execute("""SELECT entry_type, sum(amount_gbp) FROM budget_spend
                              WHERE financial_year = '2020/21' GROUP BY 1""").fetchall()
    )
    assert got == _reference_sums()
    assert got["budget"] == Decimal("776123.00")
    with REFERENCE_LINES.open(newline="") as fh:
        n_lines = sum(1 for _ in csv.DictReader(fh))
    assert _one(con, "SELECT count(*) FROM budget_spend WHERE financial_year = '2020/21'") == n_lines
    assert _one(con, "SELECT bool_or(is_synthetic) FROM budget_spend WHERE financial_year = '2020/21'") is False
    assert _one(con, "SELECT bool_and(is_synthetic) FROM budget_spend WHERE financial_year <> '2020/21'") is True


def test_budget_2020_21_reproduces_every_printed_total(con):
    rows = con.execute("""SELECT funding_source, line_title, entry_type, month, amount_gbp FROM budget_spend
                          WHERE financial_year = '2020/21'""").fetchall()

    def measures(keep) -> dict[str, Decimal]:
        m: dict[str, Decimal] = defaultdict(Decimal)
        for source, title, entry, month, amount in rows:
            if not keep(source, title):
                continue
            if entry == "budget":
                m["annual_budget"] += amount
            elif entry == "prior_year_invoice":
                m["prior_year_invoices"] += amount
                m["ytd_actuals"] += amount
            elif entry == "actual":
                m[f"month_{month}"] += amount
                m["ytd_actuals"] += amount
            elif entry == "accrual":
                m["m5_accruals"] += amount
        m["m12_total"] = m["ytd_actuals"] + m["m5_accruals"]
        m["variance"] = m["annual_budget"] - m["m12_total"]
        return m

    checked = 0
    with PRINTED_TOTALS.open(newline="") as fh:
        for r in csv.DictReader(fh):
            scope = r["scope"]
            if scope == "All":
                keep = lambda s, t: True  # noqa: E731
            elif scope.startswith("Line: "):
                name = scope[len("Line: ") :]
                if name.endswith(")"):
                    title, source = name[:-1].rsplit(" (", 1)
                    keep = lambda s, t, title=title, source=source: (s, t) == (source, title)  # noqa: E731
                else:
                    keep = lambda s, t, name=name: t == name  # noqa: E731
            else:
                keep = lambda s, t, scope=scope: s == scope  # noqa: E731
            value = measures(keep)[r["measure"]].quantize(Decimal("1"), rounding=ROUND_HALF_UP)
            assert value == Decimal(r["printed_gbp"]), (scope, r["measure"], value)
            checked += 1
    assert checked > 30


def test_budget_demo_years(con):
    years = [r[0] for r in con.execute("SELECT DISTINCT financial_year FROM budget_spend ORDER BY 1").fetchall()]
    assert years == ["2020/21", "2021/22", "2022/23", "2023/24", "2024/25", "2025/26"]
    budgets = dict(
        con.execute("""SELECT financial_year, sum(amount_gbp) FROM budget_spend
        WHERE entry_type = 'budget' AND financial_year > '2020/21' GROUP BY 1""").fetchall()
    )
    assert all(Decimal(800_000) <= b <= Decimal(1_500_000) for b in budgets.values()), budgets
    sources = {
        r[0] for r in con.execute("SELECT DISTINCT funding_source FROM budget_spend WHERE is_synthetic").fetchall()
    }
    assert sources == {"Place Based", *C.LIFE_COURSE_DOMAINS}
    # Past demo years run 12 months; the current one stops at the end month's financial month (Nov = 8).
    last = dict(
        con.execute("""SELECT financial_year, max(month) FROM budget_spend WHERE entry_type = 'actual'
        GROUP BY 1""").fetchall()
    )
    assert last["2024/25"] == 12 and last["2025/26"] == 8
    assert _one(con, "SELECT count(*) FROM budget_spend WHERE entry_type = 'accrual' AND is_synthetic") > 0
    assert _one(con, "SELECT count(*) FROM budget_spend WHERE entry_type = 'budget' AND month IS NOT NULL") == 0


# ------------------------------------------------------------------------------------------ indicators


def test_indicator_definitions_cover_each_domain(con):
    per_domain = dict(con.execute("SELECT domain, count(*) FROM indicator_definitions GROUP BY 1").fetchall())
    assert set(per_domain) == set(C.LIFE_COURSE_DOMAINS) and min(per_domain.values()) >= 4
    ward_level = dict(
        con.execute("""SELECT domain, count(DISTINCT indicator_id) FROM indicators
        JOIN indicator_definitions USING (indicator_id) WHERE area_type = 'Ward' GROUP BY 1""").fetchall()
    )
    assert set(ward_level) == set(C.LIFE_COURSE_DOMAINS) and min(ward_level.values()) >= 3
    brief_ids = {
        90631,
        90323,
        93085,
        20101,
        20401,
        92443,
        91720,
        22001,
        93347,
        848,
        22401,
        92949,
        90366,
        90362,
        92313,
        93700,
        93553,
    }
    verified = {
        r[0] for r in con.execute("SELECT indicator_id FROM indicator_definitions WHERE id_verified").fetchall()
    }
    assert verified == brief_ids
    units = dict(con.execute("SELECT indicator_id, unit FROM indicator_definitions").fetchall())
    assert units[20401] == "per 1,000" and units[22401] == "per 100,000" and units[90366] == "years"


def test_indicator_periods_and_values(con):
    periods = dict(
        con.execute("""SELECT indicator_id, count(DISTINCT time_period) FROM indicators
        WHERE area_type = 'Local authority' GROUP BY 1""").fetchall()
    )
    assert min(periods.values()) >= 7
    bad = _one(
        con,
        """SELECT count(*) FROM indicators i JOIN indicator_definitions d USING (indicator_id)
        WHERE count IS NOT NULL AND d.ci_method <> 'dsr'  -- a DSR is not its crude ratio (tested below)
          AND abs(value - count / denominator * d.multiplier) > 1e-9""",
    )
    assert bad == 0
    areas = {r[0] for r in con.execute("SELECT DISTINCT area_type FROM indicators").fetchall()}
    assert areas == set(C.AREA_TYPES)
    assert _one(con, "SELECT count(*) FROM indicators WHERE area_type = 'England' AND area_code <> 'E92000001'") == 0
    assert (
        _one(con, "SELECT count(*) FROM indicators WHERE area_type = 'Local authority' AND area_code <> 'E06000006'")
        == 0
    )
    # Small ward counts exist (the dashboard must suppress them).
    assert _one(con, "SELECT count(*) FROM indicators WHERE area_type = 'Ward' AND count BETWEEN 1 AND 7") > 0


def test_halton_is_the_sum_of_its_wards(con):
    mismatches = _one(
        con,
        """
        WITH w AS (SELECT indicator_id, time_period, sum(count) c, sum(denominator) d FROM indicators
                   WHERE area_type = 'Ward' AND count IS NOT NULL GROUP BY 1, 2)
        SELECT count(*) FROM w JOIN indicators h USING (indicator_id, time_period)
        WHERE h.area_type = 'Local authority' AND (h.count <> w.c OR h.denominator <> w.d)""",
    )
    assert mismatches == 0


@pytest.mark.parametrize("indicator_id", [22401, 41401])
def test_standardised_indicators_are_the_dsr_of_their_age_bands(con, indicator_id):
    """Falls and hip fractures (65+) are directly standardised, as in Fingertips: every row's value is the DSR of
    its ESP 2013 bands 65-69 to 90+ (the reference implementation, not the SQL), its count their events and its
    denominator their population, for England, Halton and every ward; Halton is its wards band by band."""
    assert _one(con, f"SELECT ci_method FROM indicator_definitions WHERE indicator_id = {indicator_id}") == "dsr"
    esp = inequality.esp2013().set_index("age_band")["weight"]
    bands = con.execute(
        f"SELECT area_code, area_type, time_period, age_band, count, population FROM indicator_age_bands "
        f"WHERE indicator_id = {indicator_id}"
    ).df()
    assert set(bands["age_band"]) == set(D.DSR_BANDS)
    rows = con.execute(
        f"SELECT area_code, time_period, count, denominator, value FROM indicators WHERE indicator_id = {indicator_id}"
    ).df()
    assert len(rows) == len(bands) / len(D.DSR_BANDS) and len(rows) == 8 * (18 + 2)
    checked = 0
    for (area, period), group in bands.groupby(["area_code", "time_period"]):
        group = group.set_index("age_band").loc[list(D.DSR_BANDS)]
        row = rows[(rows["area_code"] == area) & (rows["time_period"] == period)].iloc[0]
        assert row["count"] == group["count"].sum() and row["denominator"] == group["population"].sum()
        result = inequality.dsr_dobson(group["count"], group["population"], esp.loc[list(D.DSR_BANDS)])
        if result.total_count >= inequality.DSR_MIN_COUNT:
            assert row["value"] == pytest.approx(result.value, rel=1e-9)
            checked += 1
    assert checked >= 16  # England and Halton every period at least
    halton = bands[bands["area_type"] == "Local authority"].groupby(["time_period", "age_band"])["count"].sum()
    wards = bands[bands["area_type"] == "Ward"].groupby(["time_period", "age_band"])["count"].sum()
    assert halton.equals(wards)


def test_indicator_calibration(con):
    def latest(ind: int, area: str = "E06000006", sex: str = "Persons") -> float:
        return _one(
            con,
            f"""SELECT value FROM indicators WHERE indicator_id = {ind} AND area_code = '{area}'
                             AND sex = '{sex}' ORDER BY period_start DESC LIMIT 1""",
        )

    assert 11 <= latest(92443) <= 15  # adult smoking ~13%
    assert 22 <= latest(90323) <= 29  # Year 6 obesity (overweight-or-obese is ~41%)
    assert 76 <= latest(90366, sex="Male") <= 78
    assert 80 <= latest(90366, sex="Female") <= 82
    assert 78 <= latest(90366) <= 80
    assert latest(93700) > latest(93700, "E92000001") + 3  # child poverty well above England
    worse = 0
    for ind, polarity in con.execute("""SELECT indicator_id, polarity FROM indicator_definitions
                                        WHERE polarity <> 'no judgement'""").fetchall():
        h, e = latest(ind), latest(ind, "E92000001")
        worse += (h < e) if polarity == "high is good" else (h > e)
    assert worse >= 11
    # Ward values follow deprivation.
    corr = _one(
        con,
        """SELECT corr(w.imd_score, i.value) FROM indicators i JOIN wards w ON i.area_code = w.ward_code
                        WHERE indicator_id = 93700""",
    )
    assert corr > 0.8


# ------------------------------------------------------------------------------------------ scale, layout, CLI


def test_scale_multiplies_practices_and_wards(demo, scale2):
    out1, s1 = demo
    out2, s2 = scale2
    assert s2["rows"]["wards"] == 2 * s1["rows"]["wards"]
    assert s2["rows"]["practices"] == 2 * s1["rows"]["practices"]
    assert s2["rows"]["ward_population"] == 2 * s1["rows"]["ward_population"]
    assert s2["rows"]["pcns"] == 2 * s1["rows"]["pcns"]
    assert 1.6 <= s2["rows"]["appointments"] / s1["rows"]["appointments"] <= 2.4
    wards = pq.read_table(out2 / "wards.parquet")
    synthetic = [c for c in wards.column("ward_code").to_pylist() if c.startswith("E05X")]
    assert len(synthetic) == 18 and not any(wards.column("code_verified").to_pylist()[18:])
    codes = pq.read_table(out2 / "practices.parquet").column("gp_code").to_pylist()
    assert sum(c.startswith("Z") for c in codes) == 14
    # Halton's own rows do not change when synthetic areas are added.
    a = pq.read_table(out1 / "appointments.parquet")
    b = pq.read_table(out2 / "appointments.parquet")
    b = b.filter(pa.compute.invert(pa.compute.starts_with(b["gp_code"], "Z")))
    assert a.equals(b)


def test_large_scales_write_one_appointments_file_per_financial_year(tmp_path, monkeypatch, scale2):
    monkeypatch.setattr(D, "FOLDER_SCALE", 2)  # exercise the folder layout (and its worker pool) cheaply
    (tmp_path / "appointments.parquet").write_bytes(b"stale")  # the other layout's leftover goes
    short_end = dt.date(2021, 5, 1)
    summary = D.generate(tmp_path, scale=2, end_month=short_end)
    assert not (tmp_path / "appointments.parquet").exists()
    files = sorted(p.name for p in (tmp_path / "appointments").iterdir())
    assert files == ["2019-20.parquet", "2020-21.parquet", "2021-22.parquet"]
    first = pq.read_table(tmp_path / "appointments" / "2019-20.parquet")
    months = set(first.column("appointment_month").to_pylist())
    assert min(months) == dt.date(2019, 4, 1) and max(months) == dt.date(2020, 3, 1)
    assert pq.read_metadata(tmp_path / "appointments" / "2019-20.parquet").num_row_groups == 12
    for f in files:
        schema = pq.read_schema(tmp_path / "appointments" / f)
        assert schema.names == list(C.APPOINTMENTS.column_names)
        assert [schema.field(c.name).type for c in C.APPOINTMENTS.columns] == [
            EXPECTED_ARROW[c.kind] for c in C.APPOINTMENTS.columns
        ]
    # The layout changes nothing else: same rows as the single file, month for month.
    folder = pa.concat_tables(pq.read_table(tmp_path / "appointments" / f) for f in files)
    single = pq.read_table(scale2[0] / "appointments.parquet")
    single = single.filter(pa.compute.less_equal(single["appointment_month"], pa.scalar(short_end, pa.date32())))
    assert folder.num_rows == summary["rows"]["appointments"]
    assert folder.equals(single)


def test_cli(tmp_path, capsys):
    assert D.main(["--out", str(tmp_path), "--end-month", "2025-11", "--seed", "20210501"]) == 0
    printed = capsys.readouterr().out
    for t in C.TABLES:
        assert t.name in printed
    assert "wrote" in printed and " s" in printed
    assert (tmp_path / "manifest.json").exists()


def test_end_month_must_be_a_complete_past_month(tmp_path):
    with pytest.raises(ValueError):
        D.generate(tmp_path, end_month=D._month_add(D.latest_complete_month(), 1))
    with pytest.raises(ValueError):
        D.generate(tmp_path, end_month=dt.date(2020, 1, 1))
    with pytest.raises(ValueError):
        D.generate(tmp_path, scale=0, end_month=END)
