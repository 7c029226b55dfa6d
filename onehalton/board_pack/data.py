"""What the board pack shows, gathered from the project's own queries and methods.

Everything here runs without a Streamlit server: queries go through `db.Database.run` (the method
`db.run_query` caches), limits through `onehalton.spc`, intervals and benchmarking through
`onehalton.stats`, small numbers through `onehalton.suppression` and money through `onehalton.budget`, so a
pack carries the numbers the screen carries for the same view.

The lead's measure registry will replace `headline_kpis` (the one place that says which KPIs are headline
ones); everything downstream only reads `Kpi` objects.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from onehalton import budget, config, contract, db, formats, kpis, measures, spc, stats, suppression
from onehalton.db import Database, ExtractUnavailable, QueryError
from onehalton.filters import Filters, month_options

SUPPRESSED = suppression.SUPPRESSED_LABEL
DOMAINS = ("Starting Well", "Living Well", "Ageing Well", "Wider Determinants")


class BadView(ValueError):
    """A filter value the data does not have; the message names the option and the value."""


# Numbers are written as the screen writes them (onehalton.formats): a pack and a screen that disagree by a
# rounding are worse than either alone.
fmt = formats.fmt


def pounds(value) -> str:
    """Money to the pound, half up from the exact Decimal, as the printed statement has it."""
    return "" if formats.is_missing(value) else formats.fmt(value, "gbp")


def period_name(value) -> str:
    return value if isinstance(value, str) else f"{pd.Timestamp(value):%b %Y}"


# ----------------------------------------------------------------------------------------------
# The view: the dashboard's URL filters


@dataclass(frozen=True)
class View:
    """The filters of a dashboard link: `ward` (repeated), `from` and `to` (YYYY-MM), `fy`, `month` (1-12).
    None means what the dashboard does without the parameter."""

    wards: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None
    fy: str | None = None
    month: int | None = None

    @classmethod
    def from_query(cls, params) -> View:
        """From a link's query parameters (`st.query_params`, or a dict of lists): ward, from, to, fy, month."""

        def values(key: str) -> list[str]:
            if hasattr(params, "get_all"):
                return list(params.get_all(key))
            raw = params.get(key)
            return [] if raw is None else [raw] if isinstance(raw, str) else list(raw)

        def last(key: str) -> str | None:
            found = values(key)
            return found[-1] if found else None

        month = last("month")
        if month is not None and not month.isdigit():
            raise BadView(f"month must be a financial month from 1 to 12, got {month!r}")
        return cls(
            tuple(dict.fromkeys(values("ward"))),
            last("from"),
            last("to"),
            last("fy"),
            int(month) if month is not None else None,
        )

    @classmethod
    def from_filters(cls, f: Filters, fy: str | None = None, month: int | str | None = None) -> View:
        """From the dashboard's own filters (`filters.current()`, already checked against the data) and the Budget
        page's year and month: what a "download the board pack" button on the screen should use."""
        return cls(tuple(f.wards), f"{f.start:%Y-%m}", f"{f.end:%Y-%m}", fy, int(month) if month else None)


@dataclass(frozen=True)
class Resolved:
    filters: Filters
    fy: str | None
    month: int | None
    months: tuple[str, ...]


def month_span(database: Database) -> list[str]:
    """The months the period filter offers, worked out as the sidebar works them out."""
    return month_options(database)


def _month(text: str) -> date | None:
    try:
        parsed = date.fromisoformat((text + "-01" if len(text) == 7 else text)[:10])
    except ValueError:
        return None
    return date(parsed.year, parsed.month, 1)


def resolve(view: View, database: Database) -> Resolved:
    """The view made concrete against the data, as the sidebar and the Budget page would make it; a value the
    data does not have is refused with a message naming it (a scheduled run should fail loudly, not quietly
    print a different view)."""
    wards = _run(database, "wards", {})
    names = dict(zip(wards["ward_code"], wards["ward_name"])) if wards is not None else {}
    unknown = [w for w in view.wards if w not in names]
    if unknown:
        raise BadView(
            f"unknown ward code(s) {', '.join(unknown)}; the wards table has {', '.join(sorted(names)) or 'none'}"
        )
    months = month_span(database)
    for option, value in (("from", view.start), ("to", view.end)):
        if value is not None and value not in months:
            raise BadView(f"{option}={value!r} is not a month in the data ({months[0]} to {months[-1]}, as YYYY-MM)")
    start, end = _month(view.start or months[0]), _month(view.end or months[-1])
    if start > end:
        start, end = end, start  # the sidebar swaps them too, with a notice
    filters = Filters(tuple(view.wards), tuple(names[w] for w in view.wards), start, end)

    years = _run(database, "budget_years", {})
    fy = month = None
    if years is not None and not years.empty:
        options = years["financial_year"].tolist()
        if view.fy is not None and view.fy not in options:
            raise BadView(f"fy={view.fy!r} is not a financial year in the budget extract ({', '.join(options)})")
        fy = view.fy or options[-1]
        latest = int(years.loc[years["financial_year"] == fy, "latest_month"].iloc[0])
        if view.month is not None and not 1 <= view.month <= 12:
            raise BadView(f"month={view.month} is not a financial month from 1 to 12")
        month = view.month or latest
    elif view.fy is not None or view.month is not None:
        raise BadView("the budget extract is unavailable, so fy and month cannot be applied")
    return Resolved(filters, fy, month, tuple(months))


def _run(database: Database, name: str, params: dict) -> pd.DataFrame | None:
    """A query as the screen publishes it (small numbers protected as its header declares, derived measures and
    their limits from the published counts), or None when an extract it reads is unavailable."""
    published = _published(database, name, params)
    return None if published is None else published.frame


def _published(database: Database, name: str, params: dict):
    try:
        return db.publish(database, name, params, database.run(name, params), config.suppression_threshold())
    except (ExtractUnavailable, QueryError):
        return None


def _problem(database: Database, name: str) -> str:
    spec = database.specs[name]
    blocked = database.unavailable(spec.tables)
    return " ".join(s.summary() for s in blocked) if blocked else f"queries/{name}.sql could not be run."


# ----------------------------------------------------------------------------------------------
# Headline KPIs


@dataclass
class Kpi:
    """One headline KPI, as its Overview tile shows it, with what its attention page needs."""

    code: str
    label: str
    frame: pd.DataFrame  # one row per month, suppressed cells NA
    value: str
    kind: str
    polarity: str
    lower: str | None = None
    upper: str | None = None
    target: float | None = None
    target_label: str | None = None
    definition: str = ""
    # (column, heading, kind) of the figures behind each point, for the attention page's table.
    figures: tuple[tuple[str, str, str], ...] = ()
    spc: bool = True
    note: str | None = None  # what stands in for SPC where it does not apply
    on_track: bool | None = None  # year-end projection against the target, for cumulative measures
    area: str = "Halton"
    suppressed: pd.DataFrame | None = None  # True where a cell of `frame` is suppressed (ward views)
    result: spc.SpcResult | None = field(default=None, init=False)
    spc_problem: str | None = field(default=None, init=False)

    def __post_init__(self):
        if self.spc:
            series = self.frame[["month", self.value]].dropna()
            if len(series) != len(self.frame) or series.empty:
                self.spc_problem = "SPC not shown: some values are suppressed or missing."
            else:
                self.result = spc.xmr(
                    series[self.value].astype(float).to_numpy(),
                    pd.to_datetime(series["month"]).to_numpy(),
                    polarity=self.polarity,
                    target=self.target,
                    # Recalculated where the screen recalculates (the measure's registered rebases).
                    baseline_start=kpis.spc_rebases(self.value, series["month"]),
                )
                if not self.result.enough_points:
                    self.spc_problem = self.result.variation

    @property
    def latest(self) -> pd.Series:
        return self.frame.iloc[-1]

    def cell(self, position: int, column: str, kind: str) -> str:
        """A cell of `frame` as text: "*" where it is suppressed, "n/a" where it is simply missing."""
        value = self.frame[column].iloc[position]
        hidden = (
            self.suppressed is not None and column in self.suppressed and bool(self.suppressed[column].iloc[position])
        )
        return SUPPRESSED if hidden else fmt(value, kind, missing="n/a")

    @property
    def value_text(self) -> str:
        return self.cell(-1, self.value, self.kind)

    @property
    def period(self) -> str:
        return period_name(self.latest["month"])

    @property
    def ci_text(self) -> str:
        if not (self.lower and self.upper):
            return ""
        if pd.isna(self.latest[self.lower]) or pd.isna(self.latest[self.upper]):
            return SUPPRESSED if self.cell(-1, self.lower, self.kind) == SUPPRESSED else ""
        return f"{fmt(self.latest[self.lower], self.kind)} to {fmt(self.latest[self.upper], self.kind)}"

    @property
    def target_text(self) -> str:
        return fmt(self.target, self.kind) if self.target is not None else ""

    @property
    def variation(self) -> str:
        if not self.spc:
            return "SPC not applicable (cumulative in-year measure)"
        return self.result.variation if self.result is not None and self.spc_problem is None else self.spc_problem

    @property
    def variation_icon(self) -> str | None:
        return self.result.variation_icon if self.result is not None else None

    @property
    def assurance(self) -> str:
        if not self.spc:
            return self.note or ""
        if self.result is None or self.spc_problem:
            return ""
        if self.result.assurance:
            return self.result.assurance
        return "No target" if self.target is None else "No assurance (no judgement of direction)"

    @property
    def assurance_icon(self) -> str | None:
        return self.result.assurance_icon if self.result is not None else None

    @property
    def attention(self) -> list[str]:
        """Why the KPI needs the board's attention: special-cause concern, failing assurance, or (for a
        cumulative measure) a year-end projection short of the target. Empty when it does not."""
        reasons = []
        if self.result is not None and self.spc_problem is None:
            if self.result.variation_icon in ("concern_high", "concern_low"):
                reasons.append("special cause concern")
            if self.result.assurance_icon == "consistent_fail":
                reasons.append("consistently failing the target")
        if self.on_track is False:
            reasons.append("projected to miss the year-end target")
        return reasons


target_on = kpis.target_on  # the screen's rule: the latest target in force on the date


def appointments_monthly(database: Database, f: Filters) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """All-ages appointments per month with 95% limits, as the Overview publishes them; and the mask of hidden
    cells (None for all of Halton, which is not protected)."""
    published = _published(
        database, "appointments_by_month", dict(wards=f.ward_param, age_bands=None, start=f.start, end=f.end)
    )
    if published is None or published.frame.empty:
        return (None if published is None else published.frame), None
    return published.frame, (published.hidden if f.ward_level else None)


def _access_kpi(name: str, monthly: pd.DataFrame, hidden, targets, f: Filters) -> Kpi:
    """A general practice access KPI as the registry defines it: label, format, polarity, limits, target and the
    counts behind it."""
    measure = measures.get(name)
    target, target_label = target_on(targets, measure.target_code, monthly["month"].iloc[-1])
    behind = dict.fromkeys((measure.numerator, *measure.denominator))
    return Kpi(
        name,
        measure.label,
        monthly,
        name,
        measure.kind,
        measure.polarity,
        f"{name}_lower",
        f"{name}_upper",
        target,
        target_label,
        area=f.area_label,
        suppressed=hidden,
        definition=measure.definition,
        figures=(
            *((column, measures.label(column), measures.get(column).kind) for column in behind),
            (name, measure.label, measure.kind),
        ),
    )


def headline_kpis(database: Database, f: Filters) -> tuple[list[Kpi], list[str]]:
    """The headline KPIs, in the Overview's order, and a sentence for each that could not be made.

    This is the one list of headline KPIs in the pack; the access KPIs are the registry's (measures.HEADLINE_ACCESS)."""
    kpis: list[Kpi] = []
    missing: list[str] = []
    targets = _run(database, "targets", {})
    appointments, hidden = appointments_monthly(database, f)
    if appointments is None or appointments.empty:
        missing.append(
            "General practice appointments: "
            + (_problem(database, "appointments_by_month") if appointments is None else "no data in the period.")
        )
    else:
        kpis += [_access_kpi(name, appointments, hidden, targets, f) for name in measures.HEADLINE_ACCESS]
    ld = _run(database, "ld_health_checks_by_month", dict(start=f.start, end=f.end))
    if ld is None or ld.empty:
        missing.append(
            "LD annual health checks: "
            + (_problem(database, "ld_health_checks_by_month") if ld is None else "no data in the period.")
        )
    else:
        target, label = target_on(targets, "ld_health_check_uptake", ld["month"].iloc[-1])
        projected = ld["projected_year_end"].iloc[-1]
        if pd.isna(projected):
            note, on_track = "Not enough history to project the year end.", None
        else:
            on_track = None if target is None else bool(projected >= target)
            verdict = {True: "on track", False: "not on track", None: "no target"}[on_track]
            note = f"Projected year end {fmt(projected, 'pct')}: {verdict}."
        kpis.append(
            Kpi(
                "ld_health_check_uptake",
                "LD annual health checks (14+), year to date",
                ld,
                "uptake",
                "pct",
                "high is good",
                "uptake_lower",
                "uptake_upper",
                target,
                label,
                spc=False,
                note=note,
                on_track=on_track,
                definition="Checks done this financial year ÷ people on the LD register aged 14+ "
                "(denominator + declined). Cumulative: it rises through the year and resets in "
                "April. Practice-level extract: always all of Halton.",
                figures=(
                    ("checks", "Checks", "count"),
                    ("register", "Register", "count"),
                    ("uptake", "Uptake", "pct"),
                    ("projected_year_end", "Projected year end", "pct"),
                ),
            )
        )
    fds = _run(database, "cancer_fds_by_month", dict(start=f.start, end=f.end))
    if fds is None or fds.empty:
        missing.append(
            "Cancer 28-day Faster Diagnosis: "
            + (_problem(database, "cancer_fds_by_month") if fds is None else "no data in the period.")
        )
    else:
        target, label = target_on(targets, "cancer_fds", fds["month"].iloc[-1])
        kpis.append(
            Kpi(
                "cancer_fds",
                "Cancer 28-day Faster Diagnosis",
                fds,
                "performance",
                "pct",
                "high is good",
                "performance_lower",
                "performance_upper",
                target,
                label,
                definition="People told they have cancer, or that it is ruled out, within 28 days of "
                "referral ÷ all told. Sub-ICB extract: always all of Halton.",
                figures=(
                    ("within_standard", "Within 28 days", "count"),
                    ("total", "Told", "count"),
                    ("performance", "Performance", "pct"),
                ),
            )
        )
    return kpis, missing


def verdict_words(kpi: Kpi) -> list[str]:
    """The verdict in sentences a board paper can carry."""
    if not kpi.spc:
        latest = kpi.latest
        words = [
            f"{kpi.value_text} at {kpi.period} ({latest['financial_year']}, month {int(latest['fy_month'])} of "
            f"the financial year). {kpi.note}"
        ]
        if kpi.target is not None:
            words.append(
                f"The target is {kpi.target_text} ({kpi.target_label}) at year end. Making Data Count "
                "limits do not apply to a cumulative measure that resets every April; the projection adds "
                "last year's gain from the same month to March."
            )
        return words
    r = kpi.result
    if r is None or kpi.spc_problem:
        return [kpi.spc_problem or "SPC not shown."]
    last = r.points.iloc[-1]
    words = [
        f"{r.variation}. The latest point, {kpi.period} at {kpi.value_text}, is set against a mean of "
        f"{fmt(r.mean, kpi.kind)} with process limits {fmt(r.lpl, kpi.kind)} to {fmt(r.upl, kpi.kind)} "
        f"({len(r.points)} points)."
    ]
    if last["special_cause"]:
        rules = last["rule"].replace("; ", ", ")
        direction = "higher" if last["direction"] == "high" else "lower"
        good = {"improvement": "better", "concern": "worse"}.get(last["point_type"], "different")
        words.append(
            f"Special cause ({rules}): the measure is {direction} than its usual range would explain, "
            f"which for this measure ({kpi.polarity}) is {good}."
        )
    else:
        words.append(
            "The latest point shows only common cause variation: no change beyond what the process usually shows."
        )
    if r.assurance == "Consistently failing":
        words.append(
            f"The target of {kpi.target_text} ({kpi.target_label}) lies outside the process limits on the "
            "wrong side: it will not be met without a change to the process."
        )
    elif r.assurance == "Consistently passing":
        words.append(
            f"The target of {kpi.target_text} lies outside the process limits on the good side: it will be "
            "met consistently if nothing changes."
        )
    elif r.assurance == "Hit and miss":
        words.append(
            f"The target of {kpi.target_text} lies within the process limits: it will be met in some "
            "months and missed in others."
        )
    return words


# ----------------------------------------------------------------------------------------------
# Life-course indicators


def indicator_summary(database: Database, f: Filters) -> pd.DataFrame | None:
    """One row per indicator at its latest period: Halton and England with 95% limits and Halton's benchmark
    against England, and, for a ward view, the chosen wards' value (suppressed as the Ward profile suppresses
    it) against Halton. None when the indicators cannot be read."""
    published = _published(database, "indicators_latest", dict(wards=f.ward_param))
    if published is None:
        return None
    latest = published.frame
    if latest.empty:
        return pd.DataFrame()
    hidden = published.hidden["value"]
    rows = []
    order = {d: i for i, d in enumerate(DOMAINS)}
    for _, part in latest.groupby("indicator_id", sort=False):
        area = {t: part[part["area_type"] == t] for t in ("Ward", "Local authority", "England")}
        halton = area["Local authority"].iloc[0] if not area["Local authority"].empty else None
        england = area["England"].iloc[0] if not area["England"].empty else None
        ward = area["Ward"].iloc[0] if not area["Ward"].empty else None
        first = part.iloc[0]
        row = {
            "domain": first["domain"],
            "indicator": first["indicator_name"],
            "unit": first["unit"],
            "period": (halton if halton is not None else first)["time_period"],
            "polarity": first["polarity"],
            "halton": _value_ci(halton),
            "england": fmt(england["value"], "value", missing="n/a") if england is not None else "",
            "halton_vs_england": _compare(halton, england, "England") if halton is not None else "",
        }
        if f.ward_level:
            suppressed = ward is not None and bool(hidden.loc[area["Ward"].index[0]])
            row["ward"] = "not available" if ward is None else SUPPRESSED if suppressed else _value_ci(ward)
            row["ward_vs_halton"] = (
                "not available at ward level"
                if ward is None
                else "suppressed"
                if suppressed
                else _compare(ward, halton, "Halton")
            )
        rows.append(row)
    out = pd.DataFrame(rows)
    return out.sort_values("domain", key=lambda s: s.map(lambda d: order.get(d, len(order))), kind="stable")


def _value_ci(row, missing: str = "n/a") -> str:
    """A value and its interval; `missing` for no value ("*" where the value is suppressed)."""
    if row is None:
        return ""
    text = fmt(row["value"], "value", missing=missing)
    if not pd.isna(row.get("lower_ci")) and not pd.isna(row.get("upper_ci")):
        text += f" ({fmt(row['lower_ci'], 'value')} to {fmt(row['upper_ci'], 'value')})"
    return text


def _compare(row, comparator, name: str) -> str:
    if comparator is None or pd.isna(comparator.get("value")):
        return f"no {name} value to compare"
    return stats.benchmark_phrase(
        stats.benchmark(row.get("lower_ci"), row.get("upper_ci"), comparator["value"], row["polarity"]), name
    )


# ----------------------------------------------------------------------------------------------
# Budget


@dataclass
class BudgetPart:
    fy: str
    month: int
    synthetic: bool
    latest_month: int
    totals: dict[str, str]  # headline label -> "£1,234"
    statement: pd.DataFrame  # statement_for_display: whole pounds, half up


def budget_statement(database: Database, fy: str | None, month: int | None) -> BudgetPart | str:
    """The statement for the year and month, to the pound; or why it cannot be shown."""
    if fy is None:
        return "The budget statement cannot be shown: " + _problem(database, "budget_years")
    years = _run(database, "budget_years", {})
    statement = _run(database, "budget_statement", dict(fy=fy, month=month))
    if years is None or statement is None:
        return "The budget statement cannot be shown: " + _problem(database, "budget_statement")
    if statement.empty:
        return f"No budget lines for {fy}."
    year = years[years["financial_year"] == fy].iloc[0]
    total = statement[statement["row_type"] == "total"].iloc[0]
    return BudgetPart(
        fy,
        month,
        bool(year["is_synthetic"]),
        int(year["latest_month"]),
        {label: pounds(total[column]) for label, column, _ in budget.HEADLINES},
        budget.statement_for_display(statement, month),
    )


def fy_month_name(month: int) -> str:
    return f"Month {month} ({calendar.month_name[(month + 2) % 12 + 1]})"


# ----------------------------------------------------------------------------------------------
# Cover


def provenance(database: Database) -> tuple[list[dict], list[str]]:
    """Per extract: title, period, as-of date and whether synthetic (from the manifest); and the titles of the
    synthetic ones, for the notice."""
    rows, synthetic = [], []
    for table in contract.TABLES:
        if table.role != "extract" and table.name not in ("targets", "indicators"):
            continue
        entry = database.manifest.get(table.name, {})
        status = database.statuses.get(table.name)
        rows.append(
            {
                "title": table.title,
                "period": f"{entry.get('period_start', '?')} to {entry.get('period_end', '?')}",
                "as_of": str(entry.get("as_of", "not stated")),
                "synthetic": database.synthetic(table.name),
                "state": status.state if status is not None else "",
            }
        )
        if database.synthetic(table.name):
            synthetic.append(table.title)
    return rows, synthetic
