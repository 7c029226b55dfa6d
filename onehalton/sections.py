"""Sections that more than one page shows: appointment patterns for an age group, and the
public-health indicators of a life-course domain. One way of drawing each, used everywhere."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from onehalton import stats, ui
from onehalton.filters import Filters

APPOINTMENT_COUNTS = ["appointments", "attended", "dna", "home_visits", "face_to_face", "same_day",
                      "known_lead_time"]
APPOINTMENT_DERIVED = {
    "per_1000": ["appointments"], "per_1000_lower": ["appointments"], "per_1000_upper": ["appointments"],
    "dna_rate": ["dna", "attended"], "dna_rate_lower": ["dna", "attended"], "dna_rate_upper": ["dna", "attended"],
    "same_day_share": ["same_day", "known_lead_time"], "same_day_share_lower": ["same_day", "known_lead_time"],
    "same_day_share_upper": ["same_day", "known_lead_time"],
    "face_to_face_share": ["face_to_face"],
}


def targets() -> pd.DataFrame | None:
    return ui.load("targets")


def target_on(table: pd.DataFrame | None, kpi_code: str, on: date) -> tuple[float | None, str | None]:
    """The target in force on a date: the latest one that took effect on or before it."""
    if table is None or table.empty:
        return None, None
    rows = table[(table["kpi_code"] == kpi_code) & (pd.to_datetime(table["effective_from"]) <= pd.Timestamp(on))]
    if rows.empty:
        return None, None
    row = rows.sort_values("effective_from").iloc[-1]
    return float(row["target_value"]), str(row["label"])


def appointments_monthly(f: Filters, age_bands: list[str] | None) -> ui.Protected | None:
    frame = ui.load("appointments_by_month", wards=f.ward_param, age_bands=age_bands, start=f.start, end=f.end)
    if frame is None:
        return None
    return ui.protect(with_appointment_cis(frame), counts=APPOINTMENT_COUNTS, derived=APPOINTMENT_DERIVED,
                      active=f.ward_level)


def with_appointment_cis(frame: pd.DataFrame) -> pd.DataFrame:
    """95% limits for every rate shown: Byar's for the rate per 1,000, Wilson for the shares."""
    out = frame.copy()
    lower, upper = stats.byar_ci(out["appointments"])
    out["per_1000_lower"] = lower / out["population"] * 1000
    out["per_1000_upper"] = upper / out["population"] * 1000
    known_status = out["attended"] + out["dna"]
    out["dna_rate_lower"], out["dna_rate_upper"] = stats.wilson_ci(out["dna"], known_status)
    out["same_day_share_lower"], out["same_day_share_upper"] = stats.wilson_ci(out["same_day"],
                                                                                 out["known_lead_time"])
    return out


def appointment_kpis(protected: ui.Protected, who: str, *, home_visits: bool = False) -> list[ui.Kpi]:
    frame = protected.frame
    kpis = [
        ui.Kpi(f"Appointments ({who})", frame, "appointments", "count", polarity="no judgement",
               help="Appointments in the month at Halton practices, by patients' ward of residence."),
        ui.Kpi(f"Per 1,000 residents ({who})", frame, "per_1000", "rate", polarity="no judgement",
               lower="per_1000_lower", upper="per_1000_upper",
               help="Appointments in the month per 1,000 resident population of the selected wards and ages."),
        ui.Kpi(f"Did not attend ({who})", frame, "dna_rate", "pct", polarity="low is good",
               lower="dna_rate_lower", upper="dna_rate_upper",
               help="DNA / (attended + DNA). Appointments of unknown status are left out."),
    ]
    if home_visits:
        kpis.append(ui.Kpi(f"Home visits ({who})", frame, "home_visits", "count", polarity="no judgement",
                           help="Appointments whose mode is Home Visit."))
    else:
        kpis.append(ui.Kpi(f"Same-day share ({who})", frame, "same_day_share", "pct", polarity="no judgement",
                           lower="same_day_share_lower", upper="same_day_share_upper",
                           help="Share of appointments booked and held on the same day (known lead times only)."))
    return kpis


def appointment_patterns(f: Filters, *, age_bands: list[str] | None, who: str, key: str,
                         home_visits: bool = False) -> None:
    """Tiles, SPC, mode mix and a monthly table for one age group's appointments."""
    protected = appointments_monthly(f, age_bands)
    if protected is None:
        ui.unavailable("Appointment patterns")
        return
    if protected.frame.empty:
        st.info("No appointments in the chosen period and wards.")
        return
    kpis = appointment_kpis(protected, who, home_visits=home_visits)
    ui.kpi_row(kpis)
    ui.suppression_legend(protected)
    tab_spc, tab_mode, tab_table = ui.lazy_tabs(["Rate per 1,000: SPC", "Mode mix", "Monthly table"], key=key)
    if tab_spc.open:
        with tab_spc:
            ui.spc_section(kpis[1], key=f"{key}-per1000")
    if tab_mode.open:
        with tab_mode:
            _mode_mix(f, age_bands=age_bands, who=who, key=key)
    if tab_table.open:
        with tab_table:
            _monthly_table(protected, key=key)


def _mode_mix(f: Filters, *, age_bands: list[str] | None, who: str, key: str) -> None:
    modes = ui.load("appointments_by_mode_month", wards=f.ward_param, age_bands=age_bands, start=f.start,
                    end=f.end)
    if modes is not None:
        shown = ui.protect(modes, counts=["appointments"], derived={"share": ["appointments"]},
                           groups=["month"], active=f.ward_level)
        chart = ui.trend_chart(shown.frame, x="month", y="share", kind="pct", color="appt_mode",
                               title=f"Mode of appointment ({who})", y_title="Share of appointments")
        ui.show_chart(chart, shown.display, key=f"{key}-modes")
        ui.suppression_legend(shown)


def _monthly_table(protected: ui.Protected, *, key: str) -> None:
    ui.show_table(protected.display, key=f"{key}-monthly", column_config={
        "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
        **{c: st.column_config.NumberColumn(label, format="%.1f")
           for c, label in (("per_1000", "Per 1,000"), ("per_1000_lower", "Per 1,000: 95% CI lower"),
                            ("per_1000_upper", "Per 1,000: 95% CI upper"))},
        **{c: st.column_config.NumberColumn(label, format="percent")
           for c, label in (("dna_rate", "DNA rate"), ("dna_rate_lower", "DNA rate: 95% CI lower"),
                            ("dna_rate_upper", "DNA rate: 95% CI upper"), ("same_day_share", "Same day"),
                            ("same_day_share_lower", "Same day: 95% CI lower"),
                            ("same_day_share_upper", "Same day: 95% CI upper"),
                            ("face_to_face_share", "Face to face"))},
    })


# ----------------------------------------------------------------------------------------------
# Indicators

INDICATOR_KIND = {"%": "value", "per 1,000": "value", "per 100,000": "value", "years": "value", "score": "value"}


def add_ci(frame: pd.DataFrame) -> pd.DataFrame:
    """95% confidence limits per row, by each indicator's own method and multiplier."""
    if frame.empty:
        return frame.assign(lower_ci=pd.Series(dtype=float), upper_ci=pd.Series(dtype=float))
    return _add_ci(frame)


@st.cache_data(show_spinner=False, max_entries=4096, hash_funcs=ui.FAST_HASH)
def _add_ci(frame: pd.DataFrame) -> pd.DataFrame:
    """`add_ci`, once per distinct frame: every indicator block asks for it on every rerun (performance)."""
    parts = []
    for (method, multiplier), part in frame.groupby(["ci_method", "multiplier"], sort=False):
        with_limits = stats.with_ci(part.drop(columns=["value"]), count="count", denominator="denominator",
                                    method=method, multiplier=float(multiplier))
        # Value-only indicators (life expectancy, scores) keep their published value.
        with_limits["value"] = with_limits["value"].where(with_limits["value"].notna(), part["value"])
        parts.append(with_limits)
    return pd.concat(parts).loc[frame.index]


def benchmark_words(row: pd.Series, comparator: pd.Series | None, name: str) -> str:
    if comparator is None or pd.isna(comparator.get("value")):
        return f"no {name} value to compare"
    result = stats.benchmark(row.get("lower_ci"), row.get("upper_ci"), comparator["value"], row["polarity"])
    return stats.benchmark_phrase(result, name)


def indicator_section(domain: str, f: Filters) -> None:
    trends = ui.load("indicator_trends", domain=domain, wards=f.ward_param)
    by_ward = ui.load("indicator_wards_latest", domain=domain)
    if trends is None:
        ui.unavailable(f"{domain} indicators")
        return
    if trends.empty:
        st.info(f"No {domain} indicators in the data.")
        return
    trends = add_ci(trends)
    is_ward = trends["area_type"] == "Ward"
    protected = ui.protect(trends, counts=["count"], derived={"value": ["count"], "lower_ci": ["count"],
                                                             "upper_ci": ["count"]},
                           active=bool(is_ward.any()), rows=is_ward)
    st.subheader(f"{domain} indicators")
    st.caption("Public-health indicators (Fingertips layout) with 95% confidence intervals: Wilson score for "
               "proportions, Byar's method for rates. Significance compares the interval with the comparator.")
    for indicator_id, rows in protected.frame.groupby("indicator_id", sort=False):
        _indicator_block(int(indicator_id), rows, protected.display.loc[rows.index], by_ward, f)
    ui.suppression_legend(protected)


def _indicator_block(indicator_id: int, rows: pd.DataFrame, display: pd.DataFrame,
                     by_ward: pd.DataFrame | None, f: Filters) -> None:
    first = rows.iloc[0]
    unit = first["unit"]
    name = first["indicator_name"]
    halton = rows[rows["area_type"] == "Local authority"].sort_values("period_start")
    england = rows[rows["area_type"] == "England"].sort_values("period_start")
    wards = rows[rows["area_type"] == "Ward"].sort_values("period_start")
    with st.container(border=True):
        st.markdown(f"**{name}** ({unit}) · Fingertips ID {indicator_id}")
        if halton.empty:
            st.caption("No Halton value.")
            return
        latest = halton.iloc[-1]
        eng_same = england[england["time_period"] == latest["time_period"]]
        words = benchmark_words(latest, eng_same.iloc[0] if not eng_same.empty else None, "England")
        halton_kpi = ui.Kpi(f"Halton, {latest['time_period']}", halton, "value", "value",
                            polarity=first["polarity"], date="period_start", lower="lower_ci", upper="upper_ci")
        columns = st.columns([1, 1, 2]) if not wards.empty else st.columns([1, 3])
        with columns[0]:
            ui.kpi_tile(halton_kpi)
            st.markdown(f"Halton is **{words}**.")
        if not wards.empty:
            last_ward = wards.iloc[-1]
            same_period = halton[halton["time_period"] == last_ward["time_period"]]  # compare like periods
            ward_words = benchmark_words(last_ward, same_period.iloc[-1] if not same_period.empty else None,
                                         "Halton")
            with columns[1]:
                ui.kpi_tile(ui.Kpi(f"{f.area_label}, {last_ward['time_period']}", wards, "value", "value",
                                   polarity=first["polarity"], date="period_start", lower="lower_ci",
                                   upper="upper_ci"))
                st.markdown(f"{f.area_label} is **{ward_words}**.")
        with columns[-1]:
            has_ci = rows["lower_ci"].notna().any()
            chart = ui.trend_chart(rows, x="period_start", y="value", kind="value", color="area_name",
                                   title=f"{name}", y_title=unit, x_title="Period",
                                   lower="lower_ci" if has_ci else None, upper="upper_ci" if has_ci else None,
                                   height=220)
            ui.show_chart(chart, display[["area_name", "time_period", "count", "denominator", "value", "lower_ci",
                                          "upper_ci"]], key=f"indicator-{indicator_id}-trend")
        if by_ward is not None:
            _ward_comparison(indicator_id, by_ward, latest)


def _ward_comparison(indicator_id: int, by_ward: pd.DataFrame, halton_latest: pd.Series) -> None:
    wards = by_ward[by_ward["indicator_id"] == indicator_id]
    if wards.empty:
        return
    expander = ui.lazy_expander(f"By ward, {wards['time_period'].iloc[0]}: where need is greatest",
                                key=f"indicator-{indicator_id}-wards")
    if not expander.open:
        return
    wards = add_ci(wards)
    # groups=[]: the wards add up to Halton's count for the period, which the trend above publishes.
    protected = ui.protect(wards, counts=["count"], derived={"value": ["count"], "lower_ci": ["count"],
                                                            "upper_ci": ["count"]}, groups=[])
    shown = protected.frame.copy()
    halton_value = wards["halton_value"].dropna()
    reference = float(halton_value.iloc[0]) if not halton_value.empty else None
    shown["compared_with_halton"] = [
        stats.benchmark_phrase(stats.benchmark(r.lower_ci, r.upper_ci, reference, r.polarity), "Halton")
        if reference is not None and not pd.isna(r.value) else "not compared (suppressed)"
        for r in shown.itertuples()]
    display = protected.display.assign(compared_with_halton=shown["compared_with_halton"])
    with expander:
        chart = ui.bar_chart(shown, category="ward_name", value="value", kind="value",
                             title=str(wards["unit"].iloc[0]), lower="lower_ci", upper="upper_ci",
                             reference=reference)
        ui.draw_chart(chart)
        ui.show_table(display[["ward_name", "imd_score", "time_period", "count", "denominator", "value",
                               "lower_ci", "upper_ci", "compared_with_halton"]],
                      key=f"indicator-{indicator_id}-wards")
        ui.suppression_legend(protected)


# ----------------------------------------------------------------------------------------------
# Living Well: learning disability health checks and cancer faster diagnosis


def ld_kpi(f: Filters, target_table: pd.DataFrame | None) -> tuple[ui.Kpi, pd.DataFrame] | None:
    frame = ui.load("ld_health_checks_by_month", start=f.start, end=f.end)
    if frame is None or frame.empty:
        return None
    target, label = target_on(target_table, "ld_health_check_uptake", frame["month"].iloc[-1])
    latest = frame.iloc[-1]
    projected = latest["projected_year_end"]
    if pd.isna(projected):
        note = "Cumulative in-year measure: SPC not applicable. Not enough history to project the year end."
    else:
        verdict = ("on track" if target is not None and projected >= target else
                   "not on track" if target is not None else "no target")
        note = (f"Cumulative in-year measure: SPC not applicable. Projected year end "
                f"{ui.fmt(projected, 'pct')}: **{verdict}**.")
    frame = frame.copy()
    frame["uptake_lower"], frame["uptake_upper"] = stats.wilson_ci(frame["checks"], frame["register"])
    kpi = ui.Kpi("LD annual health checks (14+), year to date", frame, "uptake", "pct", target=target,
                 lower="uptake_lower", upper="uptake_upper",
                 target_label=label, help="Checks done this financial year ÷ people on the LD register aged 14+ "
                 "(denominator + declined). Cumulative: it rises through the year and resets in April.",
                 spc=False, note=note)
    return kpi, frame


def fds_kpi(f: Filters, target_table: pd.DataFrame | None) -> ui.Kpi | None:
    frame = ui.load("cancer_fds_by_month", start=f.start, end=f.end)
    if frame is None or frame.empty:
        return None
    target, label = target_on(target_table, "cancer_fds", frame["month"].iloc[-1])
    frame = frame.copy()
    frame["performance_lower"], frame["performance_upper"] = stats.wilson_ci(frame["within_standard"], frame["total"])
    return ui.Kpi("Cancer 28-day Faster Diagnosis", frame, "performance", "pct", target=target, target_label=label,
                  lower="performance_lower", upper="performance_upper",
                  help="People told they have cancer, or that it is ruled out, within 28 days of referral ÷ all told.")


# Headline indicator per life-course domain on the Overview, by Fingertips ID. Identifiers, not
# figures: if an extract lacks one, the domain's first indicator stands in.
HEADLINE_INDICATORS = {"Starting Well": 90323, "Living Well": 92443, "Ageing Well": 92949,
                       "Wider Determinants": 93700}


def headline_indicator(domain: str, latest: pd.DataFrame) -> None:
    shown = _headlines(latest).get(domain)
    if shown is None:
        st.metric(domain, "No data", border=True)
        return
    st.metric(shown["label"], shown["value"], border=True, help=shown["help"])
    st.caption(shown["caption"])


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=ui.FAST_HASH)
def _headlines(latest: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Each domain's headline tile, worked out once per distinct frame: a dozen pandas filters a rerun were a
    fifth of the Overview's time under load (performance)."""
    out = {}
    for domain, rows in latest.groupby("domain", sort=False):
        chosen = HEADLINE_INDICATORS.get(domain)
        indicator_id = chosen if chosen in set(rows["indicator_id"]) else rows["indicator_id"].iloc[0]
        rows = rows[rows["indicator_id"] == indicator_id]
        halton = rows[rows["area_type"] == "Local authority"]
        england = rows[rows["area_type"] == "England"]
        if halton.empty:
            continue
        row = halton.iloc[0]
        words = benchmark_words(row, england.iloc[0] if not england.empty else None, "England")
        out[domain] = {"label": f"{domain}: {row['indicator_name']}", "value": f"{row['value']:,.1f} {row['unit']}",
                       "help": f"Halton, {row['time_period']}.",
                       "caption": f"{row['time_period']} · Halton is **{words}**."}
    return out


def ward_comparison_table(frame: pd.DataFrame, display: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator: the chosen wards' value and CI, Halton's and England's, and the verdicts."""
    rows = []
    for indicator_id, part in frame.groupby("indicator_id", sort=False):
        by_type = {t: part[part["area_type"] == t] for t in ("Ward", "Local authority", "England")}
        ward = by_type["Ward"].iloc[0] if not by_type["Ward"].empty else None
        halton = by_type["Local authority"].iloc[0] if not by_type["Local authority"].empty else None
        england = by_type["England"].iloc[0] if not by_type["England"].empty else None
        shown_ward = display.loc[by_type["Ward"].index[0]] if ward is not None else None
        rows.append({
            "domain": part["domain"].iloc[0],
            "indicator": part["indicator_name"].iloc[0],
            "unit": part["unit"].iloc[0],
            "period": (halton if halton is not None else part.iloc[0])["time_period"],
            "ward_count": shown_ward["count"] if shown_ward is not None else None,
            "ward_value": shown_ward["value"] if shown_ward is not None else None,
            "ward_vs_halton": (benchmark_words(ward, halton, "Halton") if ward is not None and pd.notna(ward["value"])
                               else "not available at ward level" if ward is None else "suppressed"),
            "halton_value": halton["value"] if halton is not None else None,
            "halton_vs_england": benchmark_words(halton, england, "England") if halton is not None else "",
            "england_value": england["value"] if england is not None else None,
        })
    return pd.DataFrame(rows)
