"""A small, hand-made, deterministic dataset whose answers can be worked out on paper.

Two wards, two practices in two PCNs, 18 months of appointments with round numbers, a year and a half
of LD checks and FDS, the real 2020/21 budget statement, and two indicators. Known-answer tests use
it; the broken-extract tests corrupt copies of it.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from onehalton import config, contract, inequality

ARROW_TYPES = {
    "text": pa.string(),
    "integer": pa.int64(),
    "count": pa.int64(),
    "number": pa.float64(),
    "money": pa.decimal128(14, 2),
    "date": pa.date32(),
    "boolean": pa.bool_(),
}

WARD_A, WARD_B = "E05013186", "E05013169"
PRACTICE_A, PRACTICE_B = "N81035", "N81066"
MONTHS = [date(2023 + (4 + i - 1) // 12, (4 + i - 1) % 12 + 1, 1) for i in range(18)]  # Apr 2023 .. Sep 2024


def schema(table: contract.Table) -> pa.Schema:
    return pa.schema([(c.name, ARROW_TYPES[c.kind]) for c in table.columns])


def write(folder: Path, name: str, rows: list[dict]) -> None:
    table = contract.TABLES_BY_NAME[name]
    columns = {c: [r[c] for r in rows] for c in table.column_names}
    pq.write_table(pa.table(columns, schema=schema(table)), folder / f"{name}.parquet")


def appointments_rows() -> list[dict]:
    """Per month: ward A, practice A, 18-64: 100 Face-to-Face Same Day Attended, 10 Telephone 1 Day DNA;
    ward B, practice B, 65-74: 50 Home Visit 2 to 7 Days Attended, plus month index i extra Telephone
    Same Day Attended (so B's volume grows by one a month) and 5 Telephone Same Day DNA."""
    rows = []
    for i, month in enumerate(MONTHS):
        base = dict(appointment_month=month, hcp_type="GP")
        rows.append(
            dict(
                base,
                gp_code=PRACTICE_A,
                ward_code=WARD_A,
                age_band="18-64",
                appt_mode="Face-to-Face",
                time_between_book_and_appt="Same Day",
                appt_status="Attended",
                count_of_appointments=100,
            )
        )
        rows.append(
            dict(
                base,
                gp_code=PRACTICE_A,
                ward_code=WARD_A,
                age_band="18-64",
                appt_mode="Telephone",
                time_between_book_and_appt="1 Day",
                appt_status="DNA",
                count_of_appointments=10,
            )
        )
        rows.append(
            dict(
                base,
                gp_code=PRACTICE_B,
                ward_code=WARD_B,
                age_band="65-74",
                appt_mode="Home Visit",
                time_between_book_and_appt="2 to 7 Days",
                appt_status="Attended",
                count_of_appointments=50,
            )
        )
        rows.append(
            dict(
                base,
                gp_code=PRACTICE_B,
                ward_code=WARD_B,
                age_band="65-74",
                appt_mode="Telephone",
                time_between_book_and_appt="Same Day",
                appt_status="Attended",
                count_of_appointments=i,
            )
        )
        rows.append(
            dict(
                base,
                gp_code=PRACTICE_B,
                ward_code=WARD_B,
                age_band="65-74",
                appt_mode="Telephone",
                time_between_book_and_appt="Same Day",
                appt_status="DNA",
                count_of_appointments=5,
            )
        )
    return rows


def ld_rows() -> list[dict]:
    """Practice A, 18+: denominator 90, declined 10 (register 100); checks rise 5 a month from April
    and reset each April. Practice B, 14-17: register 20 (18 + 2 declined), checks = fy month."""
    rows = []
    for month in MONTHS:
        fy_month = (month.month + 8) % 12 + 1
        rows.append(
            dict(
                achievement_month=month,
                gp_code=PRACTICE_A,
                indicator_code="LDHCMI035",
                numerator=5 * fy_month,
                denominator=90,
                declined=10,
            )
        )
        rows.append(
            dict(
                achievement_month=month,
                gp_code=PRACTICE_B,
                indicator_code="LDHCMI034",
                numerator=fy_month,
                denominator=18,
                declined=2,
            )
        )
    return rows


def fds_rows() -> list[dict]:
    """Each month: lung 40 told, 30 within; breast symptomatic 10 told, 9 within."""
    rows = []
    for month in MONTHS:
        rows.append(
            dict(
                period=month,
                standard="28-day FDS",
                org_code="01F",
                cancer_type="Suspected lung cancer",
                stage_route="URGENT SUSPECTED CANCER",
                total=40,
                within_standard=30,
                breaches=10,
            )
        )
        rows.append(
            dict(
                period=month,
                standard="28-day FDS",
                org_code="01F",
                cancer_type="Exhibited (non-cancer) breast symptoms - cancer not initially suspected",
                stage_route="BREAST SYMPTOMATIC, CANCER NOT SUSPECTED",
                total=10,
                within_standard=9,
                breaches=1,
            )
        )
    return rows


def budget_rows() -> list[dict]:
    """The published 2020/21 Month 5 statement, from the project's own copy of the reference data."""
    import csv

    rows = []
    with open(config.PROJECT_ROOT / "data" / "reference" / "budget_2020_21_m5_lines.csv", newline="") as handle:
        for line in csv.DictReader(handle):
            rows.append(
                dict(
                    financial_year=line["financial_year"],
                    org_ledger=line["org_ledger"],
                    funding_source=line["funding_source"],
                    line_title=line["line_title"],
                    host=line["host"] or None,
                    entry_type=line["entry_type"],
                    month=int(line["month"]) if line["month"] else None,
                    amount_gbp=Decimal(line["amount_gbp"]),
                    is_synthetic=False,
                )
            )
    return rows


def indicator_rows() -> list[dict]:
    """90323 (Year 6 obesity, %, low is good): England 22%, Halton 30% of 1,000, wards A 3 of 40 (small),
    B 60 of 200. 92313 (employment, %, high is good): Halton and England only."""
    rows = []
    for year in (2021, 2022, 2023):
        period = f"{year}/{(year + 1) % 100:02d}"
        start = date(year, 4, 1)
        common = dict(sex="Persons", time_period=period, period_start=start)
        rows += [
            dict(
                common,
                indicator_id=90323,
                area_code="E92000001",
                area_type="England",
                count=120000.0,
                denominator=545454.0,
                value=120000 / 545454 * 100,
            ),
            dict(
                common,
                indicator_id=90323,
                area_code="E06000006",
                area_type="Local authority",
                count=300.0,
                denominator=1000.0,
                value=30.0,
            ),
            dict(
                common, indicator_id=90323, area_code=WARD_A, area_type="Ward", count=3.0, denominator=40.0, value=7.5
            ),
            dict(
                common,
                indicator_id=90323,
                area_code=WARD_B,
                area_type="Ward",
                count=60.0,
                denominator=200.0,
                value=30.0,
            ),
            dict(
                common,
                indicator_id=92313,
                area_code="E92000001",
                area_type="England",
                count=7500.0,
                denominator=10000.0,
                value=75.0,
            ),
            dict(
                common,
                indicator_id=92313,
                area_code="E06000006",
                area_type="Local authority",
                count=700.0,
                denominator=1000.0,
                value=70.0,
            ),
        ]
    return rows


# 22401 (falls admissions 65+, per 100,000, directly standardised): age-banded counts for 2023/24 only, in the
# ESP 2013 bands 65-69 ... 90+. Halton is ward A + ward B band by band; ward A has 5 events (small: suppressed,
# and no rate below 10 events). 2022/23 has no age bands, so its published values are kept, without limits.
DSR_INDICATOR = 22401
DSR_BANDS = ("65-69", "70-74", "75-79", "80-84", "85-89", "90+")
DSR_PERIOD, DSR_START = "2023/24", date(2023, 4, 1)
DSR_AGE_BANDS = {
    # area_code: (area_type, counts by band, populations by band)
    "E92000001": (
        "England",
        (14000, 20000, 30000, 32000, 28000, 25000),
        (2_800_000, 2_500_000, 2_000_000, 1_300_000, 800_000, 500_000),
    ),
    "E06000006": ("Local authority", (20, 30, 40, 50, 40, 30), (2000, 1800, 1200, 800, 400, 200)),
    WARD_A: ("Ward", (2, 1, 1, 1, 0, 0), (900, 800, 500, 300, 150, 80)),
    WARD_B: ("Ward", (18, 29, 39, 49, 40, 30), (1100, 1000, 700, 500, 250, 120)),
}
DSR_PUBLISHED_2022 = {"E92000001": 2100.0, "E06000006": 2600.0}  # 2022/23: values as published, no age bands


def dsr_value(counts, populations) -> float:
    """The DSR per 100,000 over the indicator's bands (the standard restricted to 65+), whatever the count."""
    weights = dict(zip(inequality.esp2013()["age_band"], inequality.esp2013()["weight"]))
    w = [weights[b] for b in DSR_BANDS]
    return sum(c / n * wb for c, n, wb in zip(counts, populations, w)) / sum(w) * 100_000


def dsr_indicator_rows() -> list[dict]:
    rows = []
    for area, value in DSR_PUBLISHED_2022.items():
        rows.append(
            dict(
                indicator_id=DSR_INDICATOR,
                area_code=area,
                area_type="England" if area == "E92000001" else "Local authority",
                sex="Persons",
                time_period="2022/23",
                period_start=date(2022, 4, 1),
                count=None,
                denominator=None,
                value=value,
            )
        )
    for area, (area_type, counts, pops) in DSR_AGE_BANDS.items():
        rows.append(
            dict(
                indicator_id=DSR_INDICATOR,
                area_code=area,
                area_type=area_type,
                sex="Persons",
                time_period=DSR_PERIOD,
                period_start=DSR_START,
                count=float(sum(counts)),
                denominator=float(sum(pops)),
                value=dsr_value(counts, pops),
            )
        )
    return rows


def age_band_rows() -> list[dict]:
    return [
        dict(
            indicator_id=DSR_INDICATOR,
            area_code=area,
            area_type=area_type,
            sex="Persons",
            time_period=DSR_PERIOD,
            period_start=DSR_START,
            age_band=band,
            count=c,
            population=n,
        )
        for area, (area_type, counts, pops) in DSR_AGE_BANDS.items()
        for band, c, n in zip(DSR_BANDS, counts, pops)
    ]


def build(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write(
        folder,
        "wards",
        [
            dict(
                ward_code=WARD_A,
                ward_name="Norton South & Preston Brook",
                town="Runcorn",
                imd_score=20.0,
                code_verified=True,
            ),
            dict(ward_code=WARD_B, ward_name="Appleton", town="Widnes", imd_score=45.0, code_verified=False),
        ],
    )
    write(
        folder,
        "ward_population",
        [
            dict(ward_code=w, age_band=band, population=pop)
            for w, pops in ((WARD_A, (300, 900, 3000, 500, 200, 100)), (WARD_B, (400, 1100, 3500, 600, 300, 100)))
            for band, pop in zip(contract.AGE_BANDS, pops)
        ],
    )
    write(
        folder,
        "pcns",
        [
            dict(pcn_code="U00001", pcn_name="Widnes PCN", sub_icb_location_code="01F"),
            dict(pcn_code="U00002", pcn_name="Runcorn PCN", sub_icb_location_code="01F"),
        ],
    )
    write(
        folder,
        "practices",
        [
            dict(
                gp_code=PRACTICE_A,
                gp_name="Fir Park Medical Centre",
                pcn_code="U00001",
                ward_code=WARD_B,
                list_size=10000,
                code_verified=True,
            ),
            dict(
                gp_code=PRACTICE_B,
                gp_name="Grove House Practice",
                pcn_code="U00002",
                ward_code=WARD_A,
                list_size=5000,
                code_verified=True,
            ),
        ],
    )
    write(
        folder,
        "indicator_definitions",
        [
            dict(
                indicator_id=90323,
                indicator_name="Year 6: prevalence of obesity",
                domain="Starting Well",
                unit="%",
                multiplier=100.0,
                polarity="low is good",
                ci_method="wilson",
                id_verified=True,
            ),
            dict(
                indicator_id=92313,
                indicator_name="Employment rate (16-64)",
                domain="Wider Determinants",
                unit="%",
                multiplier=100.0,
                polarity="high is good",
                ci_method="wilson",
                id_verified=True,
            ),
            dict(
                indicator_id=DSR_INDICATOR,
                indicator_name="Emergency hospital admissions due to falls in people aged 65 and over",
                domain="Ageing Well",
                unit="per 100,000",
                multiplier=100000.0,
                polarity="low is good",
                ci_method="dsr",
                id_verified=True,
            ),
        ],
    )
    write(
        folder,
        "targets",
        [
            dict(
                kpi_code="ld_health_check_uptake",
                label="LTP ambition 75%",
                target_value=0.75,
                effective_from=date(2019, 4, 1),
                source="NHS Long Term Plan",
            ),
            dict(
                kpi_code="cancer_fds",
                label="FDS standard 75%",
                target_value=0.75,
                effective_from=date(2023, 10, 1),
                source="NHS England",
            ),
            dict(
                kpi_code="cancer_fds",
                label="Planning target 77% by March 2025",
                target_value=0.77,
                effective_from=date(2024, 4, 1),
                source="NHS planning guidance 2024/25",
            ),
        ],
    )
    write(folder, "appointments", appointments_rows())
    write(folder, "ld_health_checks", ld_rows())
    write(folder, "cancer_fds", fds_rows())
    write(folder, "budget_spend", budget_rows())
    write(folder, "indicators", indicator_rows() + dsr_indicator_rows())
    write(folder, "indicator_age_bands", age_band_rows())
    manifest = {
        name: {
            "source": "test fixture",
            "period_start": "2023-04-01",
            "period_end": "2024-09-30",
            "as_of": "2024-10-15",
            "synthetic": name != "budget_spend",
            "notes": "hand-made",
        }
        for name in contract.TABLES_BY_NAME
    }
    (folder / contract.MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return folder
