"""The data contract: what every extract in the data folder must look like.

This module is the single source of truth. `docs/data-contract.md` is rendered from it
(`make docs`), the validator (`onehalton.validate`) enforces it when the data loads, and the
demo generator writes to it. Column names are the national publications' names in
snake_case (`APPT_MODE` -> `appt_mode`, `ORG CODE` -> `org_code`); a few are renamed where the
national name is a sentence (the mapping for each is in docs/data-contract.md). Category values
are the national values verbatim, so real extracts need no recoding.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from onehalton import measures

# Logical column kinds and the DuckDB physical types each accepts. Money is exact: a float
# column for pounds is rejected outright rather than rounded, because a budget statement
# that is "nearly right" is wrong.
KINDS: dict[str, tuple[str, ...]] = {
    "text": ("VARCHAR",),
    "integer": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "HUGEINT"),
    "count": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "HUGEINT"),
    "number": ("DOUBLE", "FLOAT", "DECIMAL", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"),
    "money": ("DECIMAL",),
    "date": (
        "DATE",
        "TIMESTAMP",
        "TIMESTAMP_NS",
        "TIMESTAMP_MS",
        "TIMESTAMP_S",
        "TIMESTAMP WITH TIME ZONE",
        "TIMESTAMPTZ_NS",
    ),
    "boolean": ("BOOLEAN",),
}

# Months are a calendar matter in Halton's time zone: a timestamp is placed in UK local time before its month
# is taken, so local midnight in British Summer Time (23:00 UTC the day before) stays in its own month.
MONTH_TIME_ZONE = "Europe/London"
MONTH_VALUES = (
    "A month column holds, per row, the calendar month the row is about. Any value inside that month is accepted "
    "and read as the month it falls in: the first day of the month (the national publications' convention), the "
    "last day (common in LD extracts) or any other day. A DATE falls in its own month; a TIMESTAMP WITH TIME ZONE is "
    f"first placed in UK local time ({MONTH_TIME_ZONE}), so local midnight in British Summer Time, stored as 23:00 "
    "UTC the day before, stays in its own month; a TIMESTAMP without a time zone must be midnight, because a time "
    "of day without a zone does not say which day (and so which month) it means, and a column holding one is "
    "rejected, naming it. Values that were not already the first day of the month, and timestamps with a time "
    "zone, are counted and named on the About page: nothing is moved to another day without saying so. After "
    "validation every month value is the DATE of the month's first day."
)

AGE_BANDS = ("0-4", "5-17", "18-64", "65-74", "75-84", "85+")
UNDER_18_BANDS = ("0-4", "5-17")
OVER_65_BANDS = ("65-74", "75-84", "85+")

# The 2013 European Standard Population's five-year bands (0-4 ... 90+), read from the project's own reference
# file so the contract, the SQL standard (onehalton.db) and onehalton.inequality use one list. Read with the csv
# module: the contract stays free of pandas.
ESP2013_CSV = Path(__file__).resolve().parent.parent / "data" / "reference" / "esp2013.csv"
with ESP2013_CSV.open(encoding="utf-8", newline="") as _esp:
    ESP2013_BANDS = tuple(row["age_band"] for row in csv.DictReader(_esp))

LIFE_COURSE_DOMAINS = ("Starting Well", "Living Well", "Ageing Well", "Wider Determinants")

APPT_STATUS = ("Attended", "DNA", "Unknown")
HCP_TYPE = ("GP", "Other Practice staff", "Unknown")
APPT_MODE = ("Face-to-Face", "Telephone", "Home Visit", "Video Conference/Online", "Unknown")
# The double spaces are in the national publication; real files must match without edits.
TIME_BETWEEN_BOOK_AND_APPT = (
    "Same Day",
    "1 Day",
    "2 to 7 Days",
    "8  to 14 Days",
    "15  to 21 Days",
    "22  to 28 Days",
    "More than 28 Days",
    "Unknown / Data Quality",
    "Unknown / Data Issue",
)

LD_INDICATORS = ("LDHCMI034", "LDHCMI035")  # ages 14-17, 18+

FDS_ROUTES = (
    "URGENT SUSPECTED CANCER",
    "BREAST SYMPTOMATIC, CANCER NOT SUSPECTED",
    "NATIONAL SCREENING PROGRAMME",
)
FDS_CANCER_TYPES = (
    "Suspected breast cancer",
    "Suspected lower gastrointestinal cancer",
    "Suspected upper gastrointestinal cancer",
    "Suspected lung cancer",
    "Suspected skin cancer",
    "Suspected urological malignancies (excluding testicular)",
    "Suspected gynaecological cancer",
    "Suspected head & neck cancer",
    "Suspected haematological malignancies (excluding acute leukaemia)",
    "Suspected brain/central nervous system tumours",
    "Suspected children's cancer",
    "Suspected sarcoma",
    "Suspected testicular cancer",
    "Suspected acute leukaemia",
    "Exhibited (non-cancer) breast symptoms - cancer not initially suspected",
    "Breast screening",
    "Bowel screening",
    "Cervical screening",
    "Other suspected cancer (not listed)",
    "Missing or invalid",
)

BUDGET_ENTRY_TYPES = ("budget", "actual", "prior_year_invoice", "accrual")
AREA_TYPES = ("England", "Local authority", "Ward")
SEXES = ("Persons", "Male", "Female")
POLARITIES = ("high is good", "low is good", "no judgement")
# dsr: a directly standardised rate (ESP 2013) with Dobson limits, worked out from `indicator_age_bands`.
CI_METHODS = ("wilson", "byar", "dsr", "none")
UNITS = ("%", "per 1,000", "per 100,000", "years", "score")
TOWNS = ("Widnes", "Runcorn")
# A target may be set for any measure the registry says can carry one (measures.Measure.target_code).
KPI_CODES = measures.TARGETABLE


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    description: str
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    references: str | None = None  # "table.column" that every non-null value must exist in
    not_future: bool = False
    minimum: float | None = None
    maximum: float | None = None
    month: bool = False  # a month value (see MONTH_VALUES): read as the calendar month the value falls in


@dataclass(frozen=True)
class RowRule:
    """A row-level rule. `bad_when` is SQL over contract column names only (never user
    input), TRUE for a row that breaks the rule; such rows are excluded and counted."""

    name: str
    bad_when: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    role: str  # "extract" or "reference"
    grain: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    rules: tuple[RowRule, ...] = ()
    depends_on: tuple[str, ...] = ()  # reference tables whose codes this one uses
    notes: str = ""
    ward_level: bool = False  # holds ward-level counts, so small numbers are suppressed
    # An extract the dashboard can do without: when it is missing or unusable an empty table with its columns
    # stands in (onehalton.db), so the queries that read it still run, and the About page says why it is empty.
    optional: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name, kind, description, **kw) -> Column:
    return Column(name, kind, description, **kw)


WARDS = Table(
    name="wards",
    title="Electoral wards",
    role="reference",
    grain="one row per electoral ward (the 18 wards in force since May 2021)",
    columns=(
        _c("ward_code", "text", "ONS ward code (E05…)"),
        _c("ward_name", "text", "Ward name"),
        _c("town", "text", "Town the ward lies in", allowed=TOWNS),
        _c("imd_score", "number", "Deprivation score (IMD-style, higher is more deprived)", minimum=0),
        _c("code_verified", "boolean", "Whether the ONS code was verified against a published source"),
    ),
    key=("ward_code",),
)

WARD_POPULATION = Table(
    name="ward_population",
    title="Ward population by age band",
    role="reference",
    grain="one row per ward and age band",
    columns=(
        _c("ward_code", "text", "ONS ward code", references="wards.ward_code"),
        _c("age_band", "text", "Age band", allowed=AGE_BANDS),
        _c("population", "count", "Resident population", minimum=0),
    ),
    key=("ward_code", "age_band"),
    depends_on=("wards",),
)

PCNS = Table(
    name="pcns",
    title="Primary care networks",
    role="reference",
    grain="one row per primary care network",
    columns=(
        _c("pcn_code", "text", "PCN code"),
        _c("pcn_name", "text", "PCN name"),
        _c("sub_icb_location_code", "text", "Sub-ICB location (former CCG) code, 01F for Halton"),
    ),
    key=("pcn_code",),
)

PRACTICES = Table(
    name="practices",
    title="GP practices",
    role="reference",
    grain="one row per GP practice",
    columns=(
        _c("gp_code", "text", "ODS practice code"),
        _c("gp_name", "text", "Practice name"),
        _c("pcn_code", "text", "PCN the practice belongs to", references="pcns.pcn_code"),
        _c("ward_code", "text", "Ward the main surgery stands in", references="wards.ward_code"),
        _c("list_size", "count", "Registered patients", minimum=0),
        _c("code_verified", "boolean", "Whether the ODS code was verified against a published source"),
    ),
    key=("gp_code",),
    depends_on=("pcns", "wards"),
)

INDICATOR_DEFINITIONS = Table(
    name="indicator_definitions",
    title="Public-health indicator definitions",
    role="reference",
    grain="one row per indicator",
    columns=(
        _c("indicator_id", "integer", "Fingertips indicator ID"),
        _c("indicator_name", "text", "Indicator name"),
        _c("domain", "text", "Life-course domain", allowed=LIFE_COURSE_DOMAINS),
        _c("unit", "text", "Unit the value is expressed in", allowed=UNITS),
        _c("multiplier", "number", "Value = count / denominator × multiplier (100 for %, 100000 for per 100,000)"),
        _c("polarity", "text", "Whether a higher value is better", allowed=POLARITIES),
        _c("ci_method", "text", "Confidence interval method", allowed=CI_METHODS),
        _c("id_verified", "boolean", "Whether the Fingertips ID was verified"),
    ),
    key=("indicator_id",),
)

TARGETS = Table(
    name="targets",
    title="Targets and standards",
    role="reference",
    grain="one row per KPI and date a target takes effect",
    columns=(
        _c(
            "kpi_code",
            "text",
            "Measure the target applies to (its target code in the measure registry)",
            allowed=KPI_CODES,
        ),
        _c("label", "text", "How the target is named on screen"),
        _c("target_value", "number", "Target as a proportion (0.75 = 75%)", minimum=0, maximum=1),
        _c("effective_from", "date", "Date the target applies from"),
        _c("source", "text", "Where the target comes from"),
    ),
    key=("kpi_code", "effective_from"),
)

APPOINTMENTS = Table(
    name="appointments",
    title="GP appointments",
    role="extract",
    grain=(
        "one row per month, practice, patient's ward of residence, age band, staff type, mode, "
        "booking lead time and status; counts only, never one row per patient"
    ),
    columns=(
        _c(
            "appointment_month",
            "date",
            "Month of the appointments (APPOINTMENT_MONTH_START_DATE)",
            not_future=True,
            month=True,
        ),
        _c("gp_code", "text", "Practice code (GP_CODE)", references="practices.gp_code"),
        # Nullable because the national practice-level file records neither (issue 12): its rows count at
        # practice and PCN level, and pages learn that from Database.recorded() rather than showing nothing.
        _c(
            "ward_code",
            "text",
            "Patient's ward of residence; null where the extract does not record it (the national practice-level file)",
            nullable=True,
            references="wards.ward_code",
        ),
        _c(
            "age_band",
            "text",
            "Patient's age band; null where the extract does not record it",
            nullable=True,
            allowed=AGE_BANDS,
        ),
        _c("hcp_type", "text", "Staff type (HCP_TYPE)", allowed=HCP_TYPE),
        _c("appt_mode", "text", "Mode (APPT_MODE)", allowed=APPT_MODE),
        _c(
            "time_between_book_and_appt",
            "text",
            "Booking lead time (TIME_BETWEEN_BOOK_AND_APPT)",
            allowed=TIME_BETWEEN_BOOK_AND_APPT,
        ),
        _c("appt_status", "text", "Status (APPT_STATUS)", allowed=APPT_STATUS),
        _c("count_of_appointments", "count", "Appointments (COUNT_OF_APPOINTMENTS)", minimum=0),
    ),
    key=(
        "appointment_month",
        "gp_code",
        "ward_code",
        "age_band",
        "hcp_type",
        "appt_mode",
        "time_between_book_and_appt",
        "appt_status",
    ),
    depends_on=("practices", "wards"),
    ward_level=True,
    notes="The national publication's practice-level file plus the ward and age band a place extract adds. "
    "Imported from the national file alone, ward_code and age_band are null.",
)

LD_HEALTH_CHECKS = Table(
    name="ld_health_checks",
    title="Learning disability annual health checks",
    role="extract",
    grain="one row per month, practice and indicator; counts are cumulative within the financial year",
    columns=(
        _c("achievement_month", "date", "Month the cumulative counts run to", not_future=True, month=True),
        _c("gp_code", "text", "Practice code", references="practices.gp_code"),
        _c("indicator_code", "text", "LDHCMI034 (ages 14-17) or LDHCMI035 (18+)", allowed=LD_INDICATORS),
        _c("numerator", "count", "Health checks done this financial year to date", minimum=0),
        _c("denominator", "count", "Patients on the register eligible for a check (not declined)", minimum=0),
        _c("declined", "count", "Patients who declined a check (HLTHCHKDEC)", minimum=0),
    ),
    key=("achievement_month", "gp_code", "indicator_code"),
    rules=(RowRule("numerator above denominator", "numerator > denominator", ("numerator", "denominator")),),
    depends_on=("practices",),
    notes="Register = denominator + declined. Uptake = numerator / register, against the 75% ambition.",
)

CANCER_FDS = Table(
    name="cancer_fds",
    title="Cancer 28-day Faster Diagnosis Standard",
    role="extract",
    grain="one row per month, organisation, cancer type and referral route",
    columns=(
        _c("period", "date", "Month (PERIOD)", not_future=True, month=True),
        _c("standard", "text", "Standard (STANDARD)", allowed=("28-day FDS",)),
        _c("org_code", "text", "Organisation code (ORG CODE); 01F for Halton"),
        _c("cancer_type", "text", "Cancer type (CANCER TYPE)", allowed=FDS_CANCER_TYPES),
        _c("stage_route", "text", "Referral route (STAGE/ROUTE)", allowed=FDS_ROUTES),
        _c("total", "count", "People told (TOTAL)", minimum=0),
        _c("within_standard", "count", "Told within 28 days (WITHIN STANDARD)", minimum=0),
        _c("breaches", "count", "Told after 28 days (BREACHES)", minimum=0),
    ),
    key=("period", "org_code", "cancer_type", "stage_route"),
    rules=(
        RowRule("within standard above total", "within_standard > total", ("within_standard", "total")),
        RowRule(
            "within standard plus breaches is not total",
            "within_standard + breaches <> total",
            ("within_standard", "breaches", "total"),
        ),
    ),
)

BUDGET_SPEND = Table(
    name="budget_spend",
    title="One Halton budget spend",
    role="extract",
    grain="one row per budget line, entry type and (for actuals and accruals) financial month",
    columns=(
        _c("financial_year", "text", "Financial year, YYYY/YY"),
        _c("org_ledger", "text", "Organisation whose ledger holds the line"),
        _c("funding_source", "text", "Funding source the line is reported under"),
        _c("line_title", "text", "Budget line"),
        _c("host", "text", "Organisation hosting the post or scheme", nullable=True),
        _c("entry_type", "text", "budget, actual, prior_year_invoice or accrual", allowed=BUDGET_ENTRY_TYPES),
        _c(
            "month",
            "integer",
            "Financial month (1 = April) for actuals and accruals",
            nullable=True,
            minimum=1,
            maximum=12,
        ),
        _c("amount_gbp", "money", "Amount in pounds, DECIMAL with pence"),
        _c("is_synthetic", "boolean", "True for demo lines, false for lines from a published statement"),
    ),
    key=("financial_year", "org_ledger", "funding_source", "line_title", "host", "entry_type", "month"),
    rules=(
        RowRule(
            "financial year not YYYY/YY",
            "NOT regexp_full_match(financial_year, '[0-9]{4}/[0-9]{2}')",
            ("financial_year",),
        ),
        RowRule(
            "actual or accrual without a month",
            "entry_type IN ('actual', 'accrual') AND month IS NULL",
            ("entry_type", "month"),
        ),
        RowRule("money with fractions of a penny", "amount_gbp <> round(amount_gbp, 2)", ("amount_gbp",)),
    ),
    notes="YTD actuals include prior-year invoices; M12 total = YTD + accruals; variance = budget − M12 total.",
)

INDICATORS = Table(
    name="indicators",
    title="Public-health indicators",
    role="extract",
    grain="one row per indicator, area, sex and time period (Fingertips layout)",
    columns=(
        _c(
            "indicator_id",
            "integer",
            "Fingertips indicator ID (Indicator ID)",
            references="indicator_definitions.indicator_id",
        ),
        _c("area_code", "text", "Area code (Area Code)"),
        _c("area_type", "text", "England, Local authority or Ward (Area Type)", allowed=AREA_TYPES),
        _c("sex", "text", "Sex (Sex)", allowed=SEXES),
        _c("time_period", "text", "Time period as published (Time period)"),
        _c("period_start", "date", "First day of the time period, for ordering", not_future=True),
        _c("count", "number", "Count (Count)", nullable=True, minimum=0),
        _c("denominator", "number", "Denominator (Denominator)", nullable=True, minimum=0),
        _c("value", "number", "Value (Value)"),
    ),
    key=("indicator_id", "area_code", "sex", "time_period"),
    rules=(
        RowRule("count above denominator", "count > denominator AND denominator > 0", ("count", "denominator")),
        RowRule(
            "unknown ward code", "area_type = 'Ward' AND area_code NOT IN (SELECT ward_code FROM wards)", ("area_code",)
        ),
    ),
    depends_on=("indicator_definitions", "wards"),
    ward_level=True,
)

INDICATOR_AGE_BANDS = Table(
    name="indicator_age_bands",
    title="Indicator counts by age band (for directly standardised rates)",
    role="extract",
    grain="one row per indicator, area, sex, time period and ESP 2013 five-year age band",
    columns=(
        _c(
            "indicator_id",
            "integer",
            "Fingertips indicator ID; its definition's ci_method must be dsr",
            references="indicator_definitions.indicator_id",
        ),
        _c("area_code", "text", "Area code, as in `indicators`"),
        _c("area_type", "text", "England, Local authority or Ward", allowed=AREA_TYPES),
        _c("sex", "text", "Sex", allowed=SEXES),
        _c("time_period", "text", "Time period as published, as in `indicators`"),
        _c("period_start", "date", "First day of the time period", not_future=True),
        _c("age_band", "text", "Five-year age band of the 2013 European Standard Population", allowed=ESP2013_BANDS),
        _c("count", "count", "Events in the age band", minimum=0),
        # Above 0: a band's rate divides by it (Dobson's method needs every band's population).
        _c("population", "count", "Population of the age band", minimum=1),
    ),
    key=("indicator_id", "area_code", "sex", "time_period", "age_band"),
    rules=(
        RowRule(
            "indicator is not directly standardised",
            "indicator_id NOT IN (SELECT indicator_id FROM indicator_definitions WHERE ci_method = 'dsr')",
            ("indicator_id",),
        ),
        RowRule(
            "unknown ward code", "area_type = 'Ward' AND area_code NOT IN (SELECT ward_code FROM wards)", ("area_code",)
        ),
    ),
    depends_on=("indicator_definitions", "wards"),
    ward_level=True,
    optional=True,
    notes="Optional. For an indicator whose ci_method is dsr, the dashboard works out the directly standardised "
    "rate (2013 European Standard Population, restricted to the bands the indicator has, e.g. 65-69 to 90+) and "
    "its Dobson 95% limits from these rows; below 10 events no rate is shown, as Fingertips publishes none. "
    "Without this extract a dsr indicator shows its published value with no confidence interval, and says so. "
    "Rows never leave the database: only the per-area rate, total and variance term do.",
)

# Load order matters: a table is validated after the reference tables its codes point at.
TABLES: tuple[Table, ...] = (
    WARDS,
    WARD_POPULATION,
    PCNS,
    PRACTICES,
    INDICATOR_DEFINITIONS,
    TARGETS,
    APPOINTMENTS,
    LD_HEALTH_CHECKS,
    CANCER_FDS,
    BUDGET_SPEND,
    INDICATORS,
    INDICATOR_AGE_BANDS,
)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
EXTRACTS = tuple(t.name for t in TABLES if t.role == "extract")

MANIFEST_FILE = "manifest.json"
MANIFEST_FIELDS = {
    "source": "Where the extract came from (publication, system, or 'synthetic demo generator')",
    "period_start": "First period covered, ISO date",
    "period_end": "Last period covered, ISO date",
    "as_of": "When the extract was taken, ISO date",
    "synthetic": "true if any row is synthetic demo data",
    "notes": "Free text: caveats, what is real and what is invented",
}
# Added by onehalton.importers (issue 12) to the entry of a table imported from published files.
IMPORTED_MANIFEST_FIELDS = {
    "imported_at": "When the table was last imported, ISO date and time (UTC)",
    "files": "Each source file behind the table: name, sha256, period_start, period_end, periods, imported_at, "
    "rows_read, rows_accepted, rows_excluded, excluded (rows by reason), encoding; archive and "
    "archive_sha256 for a file that came in a .zip",
    "ward_of_residence": "appointments: false when the extract records no ward of residence (the national file)",
    "organisation": "cancer_fds: the ORG CODE kept",
    "area": "indicators: the local authority kept besides England and its wards",
}
