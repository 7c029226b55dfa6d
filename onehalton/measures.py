"""The measure registry: one definition per measure, read by every tile, table, chart, CSV, the About page and the
suppression of small numbers.

SQL still does the arithmetic; each query file's header declares the measures it returns (`-- Measures:`), and
a test checks every declared measure against this registry. A measure here says what a column means (label,
help, definition), how it is written (kind), which way is good (polarity), how its confidence interval is worked
out, whether Making Data Count's SPC can judge it (and why not), which target code it answers to, and which counts
it is built from, so that when those counts are hidden or rounded the measure is worked out again from what is
published, never from the exact numbers behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from onehalton import stats

HIGH, LOW, NONE = stats.HIGH_IS_GOOD, stats.LOW_IS_GOOD, stats.NO_JUDGEMENT


@dataclass(frozen=True)
class Measure:
    name: str  # the column a query returns it in
    label: str  # how people name it: tiles, table headers, chart axes, CSV headers, About
    kind: str  # formats.KINDS: count, pct, rate, gbp, value
    definition: str  # one sentence, shown as help and on the About page
    polarity: str = NONE
    # A count that could identify people when small (suppressed 1..threshold at ward or practice level, others
    # rounded); False for populations, money and other totals that are not counts of patients.
    health_count: bool = False
    numerator: str | None = None  # for a derived measure: the count it divides ...
    denominator: tuple[str, ...] = ()  # ... by the sum of these columns
    multiplier: float = 1.0
    ci_method: str | None = None  # "wilson", "byar" or None
    spc: bool = True
    spc_note: str | None = None  # why SPC does not apply, when spc is False
    target_code: str | None = None  # `targets.kpi_code` of this measure's targets; None: no target can be set
    # Counts it is part of: hidden with them too (every appointment rate is built on a subset of the
    # appointments, so a hidden appointments count hides them all, whatever its parts show).
    part_of: tuple[str, ...] = field(default=())
    # Recalculations of the SPC limits (Making Data Count's rebase) where the process itself changed: (first month
    # of the new process, ISO date; why). Every tile, chart and the board pack recalculate there.
    rebases: tuple[tuple[str, str], ...] = ()

    @property
    def derived(self) -> bool:
        return self.numerator is not None

    @property
    def sources(self) -> tuple[str, ...]:
        """The counts this measure is built on: hidden with them."""
        return (
            ((self.numerator,) if self.numerator else ())
            + tuple(c for c in self.denominator if c in HEALTH_COUNT_NAMES)
            + self.part_of
        )


# General practice changed how it works in spring 2020: NHS England asked practices on 19 March 2020 to triage every
# request and consult remotely where they could (the total triage model). Appointment volumes, modes, lead times and
# DNAs stepped to a new level from April 2020, so Making Data Count recalculates the limits from there: limits set on
# the old process would flag the new one as special cause for years.
COVID_REBASE = (
    (
        "2020-04-01",
        "Covid-19: general practice moved to total triage and remote consultation (NHS England, March 2020)",
    ),
)

_COUNTS = [
    Measure(
        "appointments",
        "Appointments",
        "count",
        "Appointments in the month at Halton practices, by the patient's ward of residence.",
        health_count=True,
        rebases=COVID_REBASE,
    ),
    Measure("attended", "Attended", "count", "Appointments attended.", health_count=True, rebases=COVID_REBASE),
    Measure(
        "dna",
        "Did not attend",
        "count",
        "Appointments the patient did not attend (DNA).",
        health_count=True,
        rebases=COVID_REBASE,
    ),
    Measure(
        "home_visits",
        "Home visits",
        "count",
        "Appointments whose mode is Home Visit.",
        health_count=True,
        rebases=COVID_REBASE,
    ),
    Measure(
        "face_to_face",
        "Face to face",
        "count",
        "Appointments held face to face.",
        health_count=True,
        rebases=COVID_REBASE,
    ),
    Measure(
        "same_day",
        "Same day",
        "count",
        "Appointments booked and held on the same day.",
        health_count=True,
        rebases=COVID_REBASE,
    ),
    Measure(
        "within_two_weeks",
        "Within two weeks",
        "count",
        "Appointments held within 14 days of booking (same day to 8–14 days).",
        health_count=True,
        rebases=COVID_REBASE,
    ),
    Measure(
        "known_lead_time",
        "Known lead time",
        "count",
        "Appointments whose booking lead time is known.",
        health_count=True,
        rebases=COVID_REBASE,
    ),
    Measure("checks", "Health checks", "count", "Annual health checks done this financial year.", health_count=True),
    Measure("declined", "Declined", "count", "People who declined an annual health check.", health_count=True),
    Measure(
        "register",
        "LD register (14+)",
        "count",
        "People aged 14 and over on the learning disability register: denominator + declined.",
        health_count=True,
    ),
    Measure(
        "total", "People told", "count", "People told they have cancer, or that it is ruled out.", health_count=True
    ),
    Measure(
        "within_standard", "Told within 28 days", "count", "People told within 28 days of referral.", health_count=True
    ),
    Measure("breaches", "Told after 28 days", "count", "People told after 28 days.", health_count=True),
    Measure("count", "Count", "count", "The indicator's numerator (people or events).", health_count=True),
    # Populations are protected like counts: a tiny population (an age band of a ward) identifies as surely.
    Measure(
        "population",
        "Residents",
        "count",
        "Resident population (ONS mid-year estimate, or demo values).",
        health_count=True,
    ),
    Measure(
        "denominator",
        "Denominator",
        "count",
        "The indicator's denominator (population or people eligible).",
        health_count=True,
    ),
    Measure("person_months", "Person-months", "count", "People × months in the period: the rate's denominator."),
    Measure("list_size", "List size", "count", "Patients registered at the practice."),
    Measure(
        "month_total",
        "Appointments in the month",
        "count",
        "All appointments in the month (every mode).",
        health_count=True,
    ),
]

_DERIVED = [
    Measure(
        "per_1000",
        "Appointments per 1,000 residents",
        "rate",
        "Appointments in the month per 1,000 resident population of the chosen wards and ages.",
        numerator="appointments",
        denominator=("population",),
        multiplier=1000,
        ci_method="byar",
        rebases=COVID_REBASE,
    ),
    Measure(
        "per_1000_per_month",
        "Appointments per 1,000 a month",
        "rate",
        "Appointments over the period per "
        "1,000 people (residents of a ward, or a practice's registered list) per month.",
        numerator="appointments",
        denominator=("person_months",),
        multiplier=1000,
        ci_method="byar",
    ),
    Measure(
        "per_1000_registered",
        "Appointments per 1,000 registered patients",
        "rate",
        "Appointments in the month per 1,000 patients on the practices' lists.",
        numerator="appointments",
        denominator=("list_size",),
        multiplier=1000,
        ci_method="byar",
        rebases=COVID_REBASE,
    ),
    Measure(
        "dna_rate",
        "Did not attend (DNA) rate",
        "pct",
        "DNA ÷ (attended + DNA); appointments of unknown status are left out.",
        polarity=LOW,
        numerator="dna",
        denominator=("attended", "dna"),
        ci_method="wilson",
        target_code="dna_rate",
        part_of=("appointments",),
        rebases=COVID_REBASE,
    ),
    Measure(
        "same_day_share",
        "Same-day share",
        "pct",
        "Appointments booked and held on the same day ÷ appointments with a known booking lead time.",
        numerator="same_day",
        denominator=("known_lead_time",),
        ci_method="wilson",
        target_code="same_day_share",
        part_of=("appointments",),
        rebases=COVID_REBASE,
    ),
    Measure(
        "two_week_share",
        "Seen within two weeks",
        "pct",
        "Appointments held within 14 days of booking ÷ appointments with a known booking lead time.",
        polarity=HIGH,
        numerator="within_two_weeks",
        denominator=("known_lead_time",),
        ci_method="wilson",
        target_code="two_week_share",
        part_of=("appointments",),
        # Lead times changed with the process in April 2020, as every other appointment measure did.
        rebases=COVID_REBASE,
    ),
    Measure(
        "face_to_face_share",
        "Face-to-face share",
        "pct",
        "Appointments held face to face ÷ all appointments.",
        numerator="face_to_face",
        denominator=("appointments",),
        ci_method="wilson",
        part_of=("appointments",),
        rebases=COVID_REBASE,
    ),
    Measure(
        "uptake",
        "LD annual health checks (14+), year to date",
        "pct",
        "Checks done this financial year ÷ "
        "people aged 14+ on the learning disability register (denominator + declined).",
        polarity=HIGH,
        numerator="checks",
        denominator=("register",),
        ci_method="wilson",
        spc=False,
        spc_note="Cumulative within the financial year: it rises to March and resets in April, so SPC would "
        "flag every reset. The projected year end is judged against the ambition instead.",
        target_code="ld_health_check_uptake",
    ),
    Measure(
        "performance",
        "Cancer 28-day Faster Diagnosis",
        "pct",
        "People told they have cancer, or that it is ruled out, within 28 days of referral ÷ all people told.",
        polarity=HIGH,
        numerator="within_standard",
        denominator=("total",),
        ci_method="wilson",
        target_code="cancer_fds",
    ),
    # An indicator's value: its own unit, multiplier, polarity and CI method come with each row
    # (indicator_definitions), so they are read from the row's columns of those names.
    Measure(
        "value",
        "Value",
        "value",
        "The indicator's value in its own unit (see the indicator's definition).",
        numerator="count",
        denominator=("denominator",),
        ci_method="row",
    ),
    Measure(
        "share",
        "Share of appointments",
        "pct",
        "Appointments in this mode ÷ all appointments in the month.",
        numerator="appointments",
        denominator=("month_total",),
    ),
]

_MONEY = [
    Measure("budget", "Annual budget", "gbp", "Sum of the year's budget lines."),
    Measure("prior_year_invoices", "Prior-year invoices", "gbp", "Invoices for the year before, paid this year."),
    *[Measure(f"m{m:02d}", f"Month {m}", "gbp", f"Actuals in financial month {m} (1 = April).") for m in range(1, 13)],
    Measure("ytd_actuals", "YTD actuals", "gbp", "Actuals to the as-at month, including prior-year invoices."),
    Measure("accruals", "Accruals", "gbp", "Accruals at the as-at month."),
    Measure(
        "m12_total",
        "M12 total (forecast)",
        "gbp",
        "YTD actuals + accruals: the forecast spend for the year.",
        polarity=LOW,
    ),
    Measure("variance", "Variance", "gbp", "Budget − M12 total. Positive means underspend.", polarity=HIGH),
    Measure(
        "forecast_share",
        "Forecast as share of budget",
        "pct",
        "M12 total (forecast) ÷ annual budget.",
        polarity=LOW,
        target_code="budget_forecast_share",
    ),
]

REGISTRY: dict[str, Measure] = {m.name: m for m in _COUNTS + _DERIVED + _MONEY}
HEALTH_COUNT_NAMES = frozenset(m.name for m in _COUNTS if m.health_count)
TARGETABLE = tuple(sorted({m.target_code for m in REGISTRY.values() if m.target_code}))
# The general practice access KPIs of the Overview's board, in its order: the screen, presentation mode and the
# board pack all read this one list.
HEADLINE_ACCESS = ("per_1000", "dna_rate", "same_day_share", "two_week_share")


def get(name: str) -> Measure:
    return REGISTRY[name]


def label(column: str) -> str:
    """A column's header for people: a measure's label, else the column name in words ("gp_code" → "GP code")."""
    measure = REGISTRY.get(column)
    if measure is not None:
        return measure.label
    if column in COLUMN_LABELS:
        return COLUMN_LABELS[column]
    if " " in column or column != column.lower():
        return column  # already written for people ("Appleton: vs Halton")
    return column.replace("_", " ").capitalize()


def rebases(name: str) -> dict[pd.Timestamp, str]:
    """The registered recalculations of a measure's SPC limits, {first month of the new process: why}; {} for a
    column that is not a measure."""
    measure = REGISTRY.get(name)
    return {pd.Timestamp(when): why for when, why in measure.rebases} if measure else {}


def with_label(name: str, new_label: str) -> Measure:
    """A copy of a measure under another label (for a page that names an age group: "Appointments, 65+")."""
    return replace(REGISTRY[name], label=new_label)


# Headers for columns that are not measures: names, codes and periods, written as people write them.
COLUMN_LABELS = {
    "month": "Month",
    "ward_code": "Ward code",
    "ward_name": "Ward",
    "town": "Town",
    "imd_score": "IMD score",
    "imd_rank": "Deprivation rank",
    "gp_code": "Practice code",
    "gp_name": "Practice",
    "pcn_code": "PCN code",
    "pcn_name": "Primary care network",
    "appt_mode": "Mode",
    "area_name": "Area",
    "area_type": "Area type",
    "time_period": "Period",
    "indicator_name": "Indicator",
    "indicator_id": "Fingertips ID",
    "unit": "Unit",
    "lower_ci": "95% CI lower",
    "upper_ci": "95% CI upper",
    "financial_year": "Financial year",
    "fy_month": "Financial month",
    "cancer_type": "Cancer type",
    "stage_route": "Route",
    "compared_with_halton": "Compared with Halton",
    "list_size": "List size",
    "age_band": "Age band",
    "funding_source": "Funding source",
    "line": "Line",
    "host": "Host",
    "org_ledger": "Ledger",
    "prior_year_invoices": "Prior-year invoices",
    "per_1000_per_month": "Appointments per 1,000 a month",
    "domain": "Domain",
    "indicator": "Indicator",
    "period": "Period",
    "ward_value": "Ward value",
    "ward_count": "Ward count",
    "ward_vs_halton": "Ward compared with Halton",
    "halton_value": "Halton",
    "halton_vs_england": "Halton compared with England",
    "england_value": "England",
    "measure": "Measure",
    "amount": "Amount",
    "projected_year_end": "Projected year end",
    "point_type": "Variation",
    "rule": "Rule",
    "quintile": "Deprivation quintile",
    "wards": "Wards",
    "ward_names": "Ward names",
    "mean": "Mean",
    "upl": "Upper process limit",
    "lpl": "Lower process limit",
    "value_shown": "Value",
}
