"""Sections that more than one page shows, each drawn one way: appointment patterns for an age group, the
public-health indicators of a life-course domain, learning disability health checks and cancer faster diagnosis.

Numbers arrive protected from `frame.load` (small numbers hidden, ward counts rounded, rates and 95% limits worked
out from what is published); the verdicts come from `kpis`, the definitions from `measures`.
"""

from __future__ import annotations

import calendar
import dataclasses

import pandas as pd
import streamlit as st

from onehalton import charts, db, formats, frame, kpis, measures, protection, stats, tables, tiles
from onehalton.filters import Filters

M = measures.REGISTRY


def targets() -> pd.DataFrame | None:
    loaded = frame.load("targets")
    return None if loaded is None else loaded.frame


def _target(table, measure: measures.Measure, month) -> tuple[float | None, str | None]:
    return kpis.target_on(table, measure.target_code, month)


# ----------------------------------------------------------------------------------------------
# Appointments

APPOINTMENT_TILES = ("appointments", "per_1000", "dna_rate", "same_day_share", "two_week_share")


def appointment_wards(f: Filters) -> list[str] | None:
    """The `$wards` for the appointment queries: all of Halton when the extract records no ward of residence
    (the national practice-level file), which the page then says."""
    if f.ward_level and not db.database().ward_filter_applies("appointments"):
        return None
    return f.ward_param


def ward_filter_note(f: Filters) -> None:
    if f.ward_level and appointment_wards(f) is None:
        st.caption(
            ":material/public: **The ward filter does not apply to this extract**: the national "
            "appointments file records no ward of residence, so these are all of Halton's practices."
        )


def appointments_monthly(f: Filters, age_bands: list[str] | None):
    return frame.load(
        "appointments_by_month", wards=appointment_wards(f), age_bands=age_bands, start=f.start, end=f.end
    )


def appointment_headlines(
    monthly, f: Filters, who: str | None, target_table, *, page: str, section: str, home_visits: bool = False
) -> dict[str, kpis.Headline]:
    """The appointment KPIs by measure name (never by position)."""
    # Ageing Well shows home visits where the others show same-day access.
    names = [("home_visits" if home_visits and n == "same_day_share" else n) for n in APPOINTMENT_TILES]
    out = {}
    data = monthly.frame
    for name in names:
        measure = M[name]
        target, target_label = (
            _target(target_table, measure, data["month"].iloc[-1]) if not data.empty else (None, None)
        )
        lower, upper = (f"{name}_lower", f"{name}_upper") if f"{name}_lower" in data else (None, None)
        out[name] = kpis.headline(
            data,
            measure,
            key=f"{section}-{name}",
            label=f"{measure.label} ({who})" if who else measure.label,
            target=target,
            target_label=target_label,
            lower=lower,
            upper=upper,
            scope=f.area_label,
            page=page,
            section=section,
        )
    return out


def appointment_patterns(
    f: Filters, *, age_bands: list[str] | None, who: str, key: str, page: str, home_visits: bool = False
) -> None:
    """Tiles, SPC, mode mix and a monthly table for one age group's appointments."""
    st.header("General practice access", anchor=f"{key}-access")
    ward_filter_note(f)
    monthly = appointments_monthly(f, age_bands)
    if monthly is None:
        frame.unavailable("Appointment patterns")
        return
    if monthly.frame.empty:
        st.info("No appointments in the chosen period and wards.")
        return
    headlines = appointment_headlines(
        monthly, f, who, targets(), page=page, section=f"{key}-access", home_visits=home_visits
    )
    tiles.tile_row(list(headlines.values()))
    frame.legend(monthly)
    tab_spc, tab_mode, tab_table = frame.lazy_tabs(["Rate per 1,000: SPC", "Mode mix", "Monthly table"], key=key)
    if tab_spc.open:
        with tab_spc:
            spc_section(monthly, "per_1000", key=f"{key}-per1000", label=headlines["per_1000"].label)
    if tab_mode.open:
        with tab_mode:
            _mode_mix(f, age_bands=age_bands, who=who, key=key)
    if tab_table.open:
        with tab_table:
            tables.show(monthly, key=f"{key}-monthly")


def _mode_mix(f: Filters, *, age_bands: list[str] | None, who: str, key: str) -> None:
    modes = frame.load(
        "appointments_by_mode_month", wards=appointment_wards(f), age_bands=age_bands, start=f.start, end=f.end
    )
    if modes is None:
        return
    chart = charts.trend(
        modes.frame,
        x="month",
        y="share",
        kind="pct",
        color="appt_mode",
        title=f"Mode of appointment ({who})",
        y_title="Share of appointments",
    )
    tables.chart_with_download(chart, modes, key=f"{key}-modes")
    frame.legend(modes)


def spc_section(
    protected,
    measure_name: str,
    *,
    key: str,
    label: str,
    target: float | None = None,
    target_label: str | None = None,
    baseline_choice: bool = True,
) -> None:
    """An XmR chart for a monthly measure, with a choice of the date the limits are calculated from."""
    data = protected.frame
    if data is None or data.empty:
        return
    dates = pd.to_datetime(data["month"])
    baseline = None
    if baseline_choice and len(data) >= 30:
        options = ["All points"] + [f"{d:%b %Y}" for d in dates.iloc[:-14]]
        chosen = st.selectbox(
            "Calculate limits from",
            options,
            key=f"baseline-{key}",
            help="Recalculate the mean and limits from a later date, e.g. after the Covid drop.",
        )
        if chosen != "All points":
            baseline = dates.iloc[options.index(chosen) - 1]
    chart, result, problem = spc_chart(data, measure_name, label, target, target_label, baseline)
    if chart is None:
        st.caption(problem)
        return
    tables.chart_with_download(
        chart,
        tables.plain(result.points),
        key=f"spc-{key}",
        columns=["date", "value", "mean", "lpl", "upl", "point_type", "rule"],
    )
    if result.rebases:
        st.caption(rebase_caption(result.rebases))


def spc_chart(
    data: pd.DataFrame,
    measure_name: str,
    label: str,
    target: float | None = None,
    target_label: str | None = None,
    baseline=None,
):
    """(chart, SPC result, None) for a monthly measure's XmR chart, or (None, None, why it is not drawn)."""
    measure = M[measure_name]
    result = kpis.xmr_for(data, measure_name, "month", measure.polarity, target, baseline)
    if result is None:
        return None, None, "SPC chart not shown: some values in this series are suppressed or missing."
    if not result.enough_points:
        return None, None, f"{result.variation} ({len(data)} points; Making Data Count needs at least 15)."
    chart = charts.spc(
        result.points,
        kind=measure.kind,
        title=f"{label}: XmR chart",
        subtitle=result.variation + (f" · {result.assurance}" if result.assurance else ""),
        target=target,
        target_label=target_label,
        rebases=result.rebases,
    )
    return chart, result, None


def rebase_caption(rebases) -> str:
    """The recalculations of an XmR chart's limits in words, for the caption under it."""
    return (
        "Limits recalculated "
        + "; ".join(f"from {formats.month_name(r['date'])}: {r['reason'] or 'no reason recorded'}" for r in rebases)
        + ". Points before keep the limits of their own period."
    )


# ----------------------------------------------------------------------------------------------
# Indicators

DOMAINS = ("Starting Well", "Living Well", "Ageing Well", "Wider Determinants")
# Headline indicator per life-course domain on the Overview, by Fingertips ID. Identifiers, not figures: if an
# extract lacks one, the domain's first indicator stands in.
HEADLINE_INDICATORS = {"Starting Well": 90323, "Living Well": 92443, "Ageing Well": 92949, "Wider Determinants": 93700}


def benchmark_words(row: pd.Series, comparator: pd.Series | None, name: str) -> str:
    if comparator is None or formats.is_missing(comparator.get("value")):
        return f"no {name} value to compare"
    if formats.is_missing(row.get("value")):
        return "suppressed"
    result = stats.benchmark(row.get("lower_ci"), row.get("upper_ci"), comparator["value"], row["polarity"])
    return stats.benchmark_phrase(result, name)


def _same_period(rows: pd.DataFrame, period: str) -> pd.Series | None:
    match = rows[rows["time_period"] == period]
    return match.iloc[0] if not match.empty else None


def indicator_headline(
    rows: pd.DataFrame, *, key: str, page: str, section: str, scope: str = "Halton", label: str | None = None
) -> kpis.Headline | None:
    """An indicator's headline for an area: latest value in its own period, judged against England."""
    halton = rows.sort_values("period_start")
    if halton.empty:
        return None
    first = halton.iloc[0]
    measure = measures.with_label("value", label or str(first["indicator_name"]))
    item = kpis.headline(
        halton,
        measure,
        key=key,
        date_column="period_start",
        period_column="time_period",
        polarity=str(first["polarity"]),
        lower="lower_ci",
        upper="upper_ci",
        scope=scope,
        page=page,
        section=section,
    )
    if item is not None and str(first["unit"]) == "%" and item.value is not None:
        item = dataclasses.replace(item, value_text=item.value_text + "%")
    return item


def indicator_section(domain: str, f: Filters, *, page: str) -> None:
    trends = frame.load("indicator_trends", domain=domain, wards=f.ward_param)
    if trends is None:
        frame.unavailable(f"{domain} indicators")
        return
    if trends.frame.empty:
        st.info(f"No {domain} indicators in the data.")
        return
    section = f"{page}-indicators"
    st.header(f"{domain} indicators", anchor=section)
    st.caption(
        "Public-health indicators (Fingertips layout) with 95% confidence intervals: Wilson score for "
        "proportions, Byar's method for rates, Dobson's method for directly standardised rates (2013 European "
        "Standard Population). Significance compares the interval with the comparator."
    )
    by_ward = frame.load("indicator_wards_latest", domain=domain)
    with_wards = set() if by_ward is None else set(by_ward.frame["indicator_id"])
    for indicator_id, rows in trends.frame.groupby("indicator_id", sort=False):
        _indicator_block(
            int(indicator_id),
            trends.with_frame(rows),
            f,
            page=page,
            section=section,
            by_ward=by_ward if indicator_id in with_wards else None,
        )
    frame.legend(trends)


def _series_trend(rows: pd.DataFrame) -> str:
    return str(rows["recent_trend"].iloc[-1]) if "recent_trend" in rows and not rows.empty else ""


def _indicator_block(indicator_id: int, protected, f: Filters, *, page: str, section: str, by_ward) -> None:
    rows = protected.frame
    first = rows.iloc[0]
    unit, name = first["unit"], first["indicator_name"]
    halton = rows[rows["area_type"] == "Local authority"].sort_values("period_start")
    england = rows[rows["area_type"] == "England"].sort_values("period_start")
    wards = rows[rows["area_type"] == "Ward"].sort_values("period_start")
    with st.container(border=True, key=f"indicator-{indicator_id}"):
        st.markdown(f"**{name}** ({unit}) · Fingertips ID {indicator_id}")
        if halton.empty:
            st.caption("No Halton value.")
            return
        latest = halton.iloc[-1]
        words = benchmark_words(latest, _same_period(england, latest["time_period"]), "England")
        item = indicator_headline(
            halton,
            key=f"ind-{indicator_id}",
            page=page,
            section=section,
            label=f"Halton, {formats.period_name(None, latest['time_period'])}",
        )
        item = dataclasses.replace(kpis.benchmarked(item, words), trend=_series_trend(halton)) if item else None
        columns = st.columns([1, 1, 2]) if not wards.empty else st.columns([1, 3])
        with columns[0]:
            tiles.tile(item)
        if not wards.empty:
            last_ward = wards.iloc[-1]
            # Compare like periods: a ward a period behind is set against Halton's value for that same period.
            ward_words = benchmark_words(last_ward, _same_period(halton, last_ward["time_period"]), "Halton")
            ward_item = indicator_headline(
                wards,
                key=f"ind-{indicator_id}-ward",
                page=page,
                section=section,
                scope=f.area_label,
                label=f"{f.area_label}, {formats.period_name(None, last_ward['time_period'])}",
            )
            if ward_item is not None:
                ward_item = dataclasses.replace(kpis.benchmarked(ward_item, ward_words), trend=_series_trend(wards))
            with columns[1]:
                tiles.tile(ward_item)
        notes = dsr_notes(rows)
        if notes:
            st.caption(" ".join(notes))
        with columns[-1]:
            chart = indicator_trend_chart(rows)
            tables.chart_with_download(
                chart,
                protected,
                key=f"indicator-{indicator_id}-trend",
                columns=[
                    "area_name",
                    "time_period",
                    "count",
                    "denominator",
                    "value",
                    "lower_ci",
                    "upper_ci",
                    "recent_trend",
                    "recent_trend_periods",
                ],
            )
            england_trend = _series_trend(england)
            if england_trend:
                st.caption(f"England's recent trend: {england_trend}. {RECENT_TREND_NOTE}")
        if by_ward is not None:
            _ward_comparison(indicator_id, by_ward)


RECENT_TREND_NOTE = (
    "Recent trend is Fingertips' method on the 5 most recent points: chi-squared test for trend for proportions, "
    "weighted least squares for other values, significant at 99.8%."
)


def dsr_notes(rows: pd.DataFrame) -> list[str]:
    """Why a directly standardised rate shows no value or no interval (protection.DSR_NOTES), each said once."""
    if protection.DSR_NOTE not in rows:
        return []
    return [n for n in dict.fromkeys(rows[protection.DSR_NOTE].dropna()) if n]


def indicator_trend_chart(rows: pd.DataFrame) -> charts.Chart:
    """One indicator's values by period, an area a line (Halton blue, England grey, wards their own colour), with
    its 95% interval as a band where it has one."""
    first = rows.iloc[0]
    shown = rows.assign(period=rows["time_period"].map(lambda p: formats.period_name(None, p)))
    has_ci = shown["lower_ci"].notna().any()
    return charts.trend(
        shown,
        x="period",
        x_type="O",
        x_sort="period_start",
        y="value",
        kind="value",
        color="area_name",
        colours=charts.area_colours(shown["area_name"]),
        title=str(first["indicator_name"]),
        y_title=str(first["unit"]),
        x_title="Period",
        lower="lower_ci" if has_ci else None,
        upper="upper_ci" if has_ci else None,
        height=220,
    )


def _ward_comparison(indicator_id: int, by_ward) -> None:
    expander = frame.lazy_expander("By ward: where need is greatest", key=f"indicator-{indicator_id}-wards")
    if not expander.open:
        return
    wards = by_ward.frame[by_ward.frame["indicator_id"] == indicator_id]
    halton_value = wards["halton_value"].dropna()
    reference = float(halton_value.iloc[0]) if not halton_value.empty else None
    compared = [
        stats.benchmark_phrase(stats.benchmark(r.lower_ci, r.upper_ci, reference, r.polarity), "Halton")
        if reference is not None and not formats.is_missing(r.value)
        else "not compared (suppressed)"
        for r in wards.itertuples()
    ]
    shown = by_ward.with_frame(wards.assign(compared_with_halton=compared))
    with expander:
        chart = charts.bar(
            wards,
            category="ward_name",
            value="value",
            kind="value",
            title=f"{wards['indicator_name'].iloc[0]}, {formats.period_name(None, wards['time_period'].iloc[0])}",
            value_title=str(wards["unit"].iloc[0]),
            lower="lower_ci",
            upper="upper_ci",
            reference=reference,
        )
        charts.draw(chart, key=f"chart-indicator-{indicator_id}-wards")
        with st.container(horizontal=True, gap="small"):
            tables.image_downloads(chart.spec_json, f"indicator-{indicator_id}-wards-chart")
        tables.show(
            shown,
            key=f"indicator-{indicator_id}-wards",
            columns=[
                "ward_name",
                "imd_score",
                "time_period",
                "count",
                "denominator",
                "value",
                "lower_ci",
                "upper_ci",
                "compared_with_halton",
            ],
        )
        frame.legend(by_ward)


def headline_indicators(latest, *, page_for_domain: dict[str, str]) -> dict[str, kpis.Headline]:
    """Each domain's headline indicator for Halton, judged against England."""
    out = {}
    data = latest.frame
    for domain, rows in data.groupby("domain", sort=False):
        chosen = HEADLINE_INDICATORS.get(domain)
        indicator_id = chosen if chosen in set(rows["indicator_id"]) else rows["indicator_id"].iloc[0]
        rows = rows[rows["indicator_id"] == indicator_id]
        halton = rows[rows["area_type"] == "Local authority"]
        england = rows[rows["area_type"] == "England"]
        if halton.empty:
            continue
        row = halton.iloc[0]
        words = benchmark_words(row, england.iloc[0] if not england.empty else None, "England")
        page = page_for_domain.get(domain, "")
        item = indicator_headline(
            halton.assign(period_start=halton.get("period_start", pd.Timestamp("2000-01-01"))),
            key=f"headline-{indicator_id}",
            page=page,
            section=f"{page}-indicators",
            scope="Halton-wide",
            label=str(row["indicator_name"]),
        )
        out[domain] = dataclasses.replace(kpis.benchmarked(item, words), group=domain, indicator_id=int(indicator_id))
    return out


def ward_comparison_table(latest: protection.Protected) -> protection.Protected:
    """One row per indicator: the chosen wards' value and CI, Halton's and England's, and the verdicts. A value with
    no count (a deprivation score) is still shown for a ward; Halton is compared in the ward's own period.

    ``latest``: the published rows of queries/indicators_latest.sql. A ward value hidden there stays hidden here
    (written `*`), so a suppressed ward reads as suppressed, not as missing (`–`, no ward figure at all)."""
    data = latest.frame
    rows, hidden = [], []
    for _, part in data.groupby("indicator_id", sort=False):
        by_type = {t: part[part["area_type"] == t] for t in ("Ward", "Local authority", "England")}
        ward = by_type["Ward"].iloc[0] if not by_type["Ward"].empty else None
        halton = by_type["Local authority"].iloc[0] if not by_type["Local authority"].empty else None
        england = by_type["England"].iloc[0] if not by_type["England"].empty else None
        ward_hidden = ward is not None and "value" in latest.hidden and bool(latest.hidden.at[ward.name, "value"])
        rows.append(
            {
                "domain": part["domain"].iloc[0],
                "indicator": part["indicator_name"].iloc[0],
                "unit": part["unit"].iloc[0],
                "period": formats.period_name(None, (halton if halton is not None else part.iloc[0])["time_period"]),
                "ward_value": ward["value"] if ward is not None else None,
                "ward_vs_halton": (
                    benchmark_words(ward, halton, "Halton") if ward is not None else "not available at ward level"
                ),
                "halton_value": halton["value"] if halton is not None else None,
                "halton_vs_england": benchmark_words(halton, england, "England") if halton is not None else "",
                "england_value": england["value"] if england is not None else None,
            }
        )
        hidden.append(ward_hidden)
    table = pd.DataFrame(rows)
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    if len(table):
        mask["ward_value"] = hidden
    return protection.Protected(table, mask, int(sum(hidden)), latest.rounded)


# ----------------------------------------------------------------------------------------------
# Learning disability health checks and cancer faster diagnosis (practice and sub-ICB extracts: Halton-wide)


def ld_headline(f: Filters, target_table, *, page: str, section: str):
    loaded = frame.load("ld_health_checks_by_month", start=f.start, end=f.end)
    if loaded is None or loaded.frame.empty:
        return None, None
    data = loaded.frame
    measure = M["uptake"]
    target, label = _target(target_table, measure, data["month"].iloc[-1])
    item = kpis.headline(
        data,
        measure,
        key="ld-uptake",
        target=target,
        target_label=label,
        lower="uptake_lower",
        upper="uptake_upper",
        scope="Halton-wide",
        page=page,
        section=section,
    )
    latest = data.iloc[-1]
    return kpis.with_projection(item, latest["projected_year_end"], target), loaded


def fds_headline(f: Filters, target_table, *, page: str, section: str):
    loaded = frame.load("cancer_fds_by_month", start=f.start, end=f.end)
    if loaded is None or loaded.frame.empty:
        return None, None
    measure = M["performance"]
    target, label = _target(target_table, measure, loaded.frame["month"].iloc[-1])
    item = kpis.headline(
        loaded.frame,
        measure,
        key="cancer-fds",
        target=target,
        target_label=label,
        lower="performance_lower",
        upper="performance_upper",
        scope="Halton-wide",
        page=page,
        section=section,
    )
    return item, loaded


@dataclasses.dataclass(frozen=True)
class OverviewHeadlines:
    """The Overview's headline KPIs in its order, with the loaded series they come from (for the charts that
    explain them: presentation mode draws each one that needs attention)."""

    items: list
    monthly: object = None  # all-ages appointments by month (Protected), or None
    ld: object = None  # LD health checks by month
    fds: object = None  # cancer FDS by month
    indicator_pages: dict = dataclasses.field(default_factory=dict)  # domain -> page slug


OVERVIEW_PAGES = {
    "Starting Well": "starting_well",
    "Living Well": "living_well",
    "Ageing Well": "ageing_well",
    "Wider Determinants": "wider_determinants",
}


def overview_headlines(f: Filters, target_table) -> OverviewHeadlines:
    """Every headline KPI the Overview shows, in its order: all-ages access, LD health checks, cancer FDS, each
    life-course domain's headline indicator and the budget. The one list the Overview and presentation mode read."""
    items = []
    monthly = appointments_monthly(f, None)
    if monthly is not None and not monthly.frame.empty:
        access = appointment_headlines(monthly, f, None, target_table, page="living_well", section="living-well-access")
        items += [access[name] for name in measures.HEADLINE_ACCESS]
    ld, ld_monthly = ld_headline(f, target_table, page="living_well", section="ld-health-checks")
    fds, fds_monthly = fds_headline(f, target_table, page="living_well", section="cancer-fds")
    items += [i for i in (ld, fds) if i is not None]
    latest = frame.load("indicators_latest", wards=None)
    if latest is not None and not latest.frame.empty:
        items += list(headline_indicators(latest, page_for_domain=OVERVIEW_PAGES).values())
    budget = budget_headline_item()
    if budget is not None:
        items.append(budget)
    return OverviewHeadlines(items, monthly, ld_monthly, fds_monthly, dict(OVERVIEW_PAGES))


def ld_trajectory_chart(item: kpis.Headline, data: pd.DataFrame) -> tuple[charts.Chart, pd.DataFrame]:
    """The LD in-year trajectory chart for the LD headline, and the frame it draws."""
    trajectory, current = trajectory_frame(data)
    chart = charts.trajectory(
        trajectory,
        kind="pct",
        current=current,
        target=item.target,
        target_label="Ambition",
        title="In-year trajectory: cumulative uptake, April to March",
        subtitle=f"{current} in bold blue; the diamond is the projected year end and its range from earlier years",
    )
    return chart, trajectory


def trajectory_frame(data: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Each financial year's cumulative uptake by month of the year, and this year's projected year end with the
    range the earlier years' gains from the same month to March give."""
    months = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]
    rows = data.assign(
        series="actual",
        financial_year=data["financial_year"].astype(str),
        fy_month_name=data["fy_month"].map(lambda m: months[int(m) - 1]),
        month_name=pd.to_datetime(data["month"]).dt.strftime("%b %Y"),
    )
    current = rows["financial_year"].iloc[-1]
    latest = rows.iloc[-1]
    gains = []
    for year, part in rows.groupby("financial_year"):
        if year == current or part["fy_month"].max() != 12:
            continue
        same = part[part["fy_month"] == latest["fy_month"]]
        if not same.empty:
            gains.append(float(part[part["fy_month"] == 12]["uptake"].iloc[0]) - float(same["uptake"].iloc[0]))
    shown = rows[rows["financial_year"].isin(sorted(rows["financial_year"].unique())[-5:])]
    out = shown[["series", "financial_year", "fy_month", "fy_month_name", "month_name", "uptake"]]
    if gains and int(latest["fy_month"]) < 12 and not formats.is_missing(latest["projected_year_end"]):
        base = float(latest["uptake"])
        projection = pd.DataFrame(
            [
                {
                    "series": "projection",
                    "financial_year": current,
                    "fy_month": int(latest["fy_month"]),
                    "fy_month_name": latest["fy_month_name"],
                    "uptake": base,
                    "low": None,
                    "high": None,
                    "label": None,
                },
                {
                    "series": "projection",
                    "financial_year": current,
                    "fy_month": 12,
                    "fy_month_name": "Mar",
                    "uptake": float(latest["projected_year_end"]),
                    "low": min(1.0, base + min(gains)),
                    "high": min(1.0, base + max(gains)),
                    "label": f"Projected year end, range from {len(gains)} earlier year{'s' if len(gains) > 1 else ''}",
                },
            ]
        )
        out = pd.concat([out.assign(low=None, high=None, label=None), projection], ignore_index=True)
    else:
        out = out.assign(low=None, high=None, label=None)
    return out, current


# ----------------------------------------------------------------------------------------------
# Budget


def budget_statement_latest():
    """The latest financial year's statement at its latest month: (year row, statement) or (None, None)."""
    years = frame.load("budget_years")
    if years is None or years.frame.empty:
        return None, None
    year = years.frame.iloc[-1]
    statement = frame.load("budget_statement", fy=year["financial_year"], month=int(year["latest_month"]))
    if statement is None or statement.frame.empty:
        return year, None
    return year, statement


def budget_cumulative_chart(spend: pd.DataFrame) -> tuple[charts.Chart, pd.DataFrame]:
    """Cumulative actuals by month of the financial year against the annual budget, and the frame it draws."""
    data = spend.astype({"actuals": float, "cumulative_actuals": float, "budget": float})
    data = data.assign(month_name=data["fy_month"].map(lambda m: calendar.month_abbr[(int(m) + 2) % 12 + 1]))
    chart = charts.cumulative(
        data,
        x="fy_month",
        label="month_name",
        x_title="Month of the financial year",
        value=("actuals", "Actuals in month"),
        cumulative=("cumulative_actuals", "Cumulative actuals"),
        limit=float(data["budget"].iloc[0]),
        limit_label="Annual budget",
        kind="gbp",
        title="Cumulative actuals against the annual budget",
    )
    return chart, data


def budget_headline_item() -> kpis.Headline | None:
    """The budget as a board-summary row: forecast spend (M12) against the year's budget."""
    year, statement = budget_statement_latest()
    if statement is None:
        return None
    total = statement.frame[statement.frame["row_type"] == "total"].iloc[0]
    summary = kpis.budget_headline(total, str(year["financial_year"]), int(year["latest_month"]))
    measure = M["m12_total"]
    return kpis.Headline(
        key="budget",
        label=f"Budget {summary.financial_year}: forecast (M12)",
        measure=measure,
        value=float(total["m12_total"]),
        value_text=formats.fmt(total["m12_total"], "gbp"),
        period_text=f"Month {summary.month}",
        change_text=None,
        previous_period=None,
        ci_text=None,
        target=float(total["budget"]),
        target_text=f"Target {formats.fmt(total['budget'], 'gbp')} (the year's budget)",
        variation_icon=None,
        assurance_icon=None,
        variation_reason="One statement a month: SPC not applicable",
        verdict=summary.verdict,
        attention=summary.attention,
        tone=summary.tone,
        scope="Halton-wide",
        page="budget",
        section="budget-headline",
    )
