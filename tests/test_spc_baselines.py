"""Fixed SPC baselines (NHSRplotthedots' fix_after_n_points) and recorded reasons for recalculation.

Known answers: nhs-r-community/NHSRplotthedots (commit 050b07d), tests/testthat/test-ptd_spc_standard.R uses
`set.seed(123); y = rnorm(20)` on daily dates from 2020-01-02; tests/testthat/_snaps/ptd_spc_standard.md
records its mean and limits (r1: default; r2: y[15] = 10, screened; r3: y[15] = 10, not screened). The
first test reproduces those snapshots, so the data and the formula are the reference's. The fixed-baseline
figures are that formula (R/ptd_spc_standard.R: `fix_y <- ifelse(row_number() <= fix_after_n_points, y, NA)`,
then mean, moving ranges, 3.267 screening and 2.66 limits on fix_y) worked out for n = 12 on the same data:
mean = 0.19417934, limits 0.19417934 -/+ 2.66 x 1.053225 = -2.6073998 / 2.9957585.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pytest import approx

from onehalton.spc import xmr

# R: set.seed(123); rnorm(20)
RNORM_123 = [
    -0.56047565,
    -0.23017749,
    1.55870831,
    0.07050839,
    0.12928774,
    1.71506499,
    0.46091621,
    -1.26506123,
    -0.68685285,
    -0.44566197,
    1.22408180,
    0.35981383,
    0.40077145,
    0.11068272,
    -0.55584113,
    1.78691314,
    0.49785048,
    -1.96661716,
    0.70135590,
    -0.47279141,
]
DATES = list(pd.date_range("2020-01-02", periods=20, freq="D"))
SNAPSHOT_TOLERANCE = 1e-6  # the snapshots print 7 significant figures


def _with_outlier() -> list[float]:
    y = list(RNORM_123)
    y[14] = 10.0  # R's data$y[15] <- 10
    return y


@pytest.mark.parametrize(
    "values, screen, mean, lpl, upl",
    [
        (RNORM_123, True, 0.1416238, -3.01138, 3.294627),
        (_with_outlier(), True, 0.6694159, -2.383666, 3.722497),
        (_with_outlier(), False, 0.6694159, -4.596625, 5.935457),
    ],
    ids=["r1", "r2-screened", "r3-unscreened"],
)
def test_limits_reproduce_nhsrplotthedots_snapshots(values, screen, mean, lpl, upl):
    r = xmr(values, DATES, polarity="high is good", screen_outliers=screen)
    assert r.mean == approx(mean, abs=SNAPSHOT_TOLERANCE)
    assert r.lpl == approx(lpl, abs=1e-5)
    assert r.upl == approx(upl, abs=1e-5)


def test_fix_after_12_points_sets_limits_from_the_first_12_and_extends_them():
    unfixed = xmr(RNORM_123, DATES, polarity="high is good")
    fixed = xmr(RNORM_123, DATES, polarity="high is good", fix_after_n_points=12)
    # test-ptd_spc_standard.R: "setting fix_after_n_points changes the calculations"
    assert fixed.lpl != unfixed.lpl and fixed.upl != unfixed.upl
    p = fixed.points
    assert p["mean"].tolist() == approx([0.19417934] * 20, abs=1e-8)
    assert p["lpl"].tolist() == approx([-2.607399812909091] * 20, rel=1e-9)
    assert p["upl"].tolist() == approx([2.995758492909091] * 20, rel=1e-9)
    assert fixed.fix_after_n_points == 12


def test_a_fixed_baseline_is_not_moved_by_later_points_and_judges_them():
    fixed = xmr(_with_outlier(), DATES, polarity="high is good", fix_after_n_points=12)
    assert fixed.upl == approx(2.995758492909091, rel=1e-9)  # the outlier at point 15 does not widen it
    p = fixed.points
    assert bool(p.loc[14, "special_cause"]) and "outside limits" in p.loc[14, "rule"]
    assert p.loc[14, "point_type"] == "improvement"
    # Recalculated on all points instead, the same outlier widens the limits.
    assert xmr(_with_outlier(), DATES, polarity="high is good").upl > fixed.upl


def test_fixed_baseline_applies_within_each_recalculated_segment():
    y = [10.0 + (i % 2) for i in range(15)] + [30.0 + (i % 3) for i in range(15)] + [50.0] * 5
    d = list(pd.date_range("2020-01-01", periods=35, freq="MS"))
    r = xmr(y, d, polarity="high is good", baseline_start=d[15], fix_after_n_points=12)
    p = r.points
    assert p.loc[0, "mean"] == approx(np.mean(y[:12]))
    assert p.loc[15, "mean"] == approx(np.mean(y[15:27]))
    assert p.loc[34, "mean"] == approx(np.mean(y[15:27]))  # extended past the baseline, not recalculated
    assert p.loc[34, "special_cause"]  # 50 is far above the fixed limits of the second segment


@pytest.mark.parametrize("bad", [11, 0, 12.5, True, "12"])
def test_fix_after_n_points_below_12_or_not_an_integer_is_refused(bad):
    with pytest.raises(ValueError, match="fix_after_n_points must be an integer of at least 12"):
        xmr(RNORM_123, DATES, polarity="high is good", fix_after_n_points=bad)


def test_rebase_reasons_are_recorded_with_the_first_point_of_each_segment():
    d = list(pd.date_range("2020-01-01", periods=40, freq="MS"))
    y = [float(i % 4) for i in range(40)]
    r = xmr(
        y,
        d,
        polarity="low is good",
        baseline_start={
            "2021-04-15": "New triage model from May 2021",
            d[30]: "Practice merger",
        },
    )
    assert r.rebases == (
        {"date": d[16], "requested": pd.Timestamp("2021-04-15"), "reason": "New triage model from May 2021"},
        {"date": d[30], "requested": d[30], "reason": "Practice merger"},
    )
    assert r.points["segment"].max() == 2


def test_plain_dates_still_rebase_with_no_reason():
    d = list(pd.date_range("2020-01-01", periods=40, freq="MS"))
    r = xmr([float(i % 4) for i in range(40)], d, polarity="low is good", baseline_start=d[20])
    assert r.rebases == ({"date": d[20], "requested": d[20], "reason": ""},)
    assert xmr([1.0, 2.0] * 10, DATES, polarity="low is good").rebases == ()


@pytest.mark.parametrize("reason", ["", "   ", None, 3])
def test_a_rebase_reason_must_be_text(reason):
    d = list(pd.date_range("2020-01-01", periods=40, freq="MS"))
    with pytest.raises(ValueError, match="reason for the recalculation"):
        xmr([float(i % 4) for i in range(40)], d, polarity="low is good", baseline_start={d[20]: reason})


# ------------------------------------------------------------------------------------------------
# The dashboard's own rebase: appointments recalculated from April 2020 (measures.COVID_REBASE)


def _appointment_series(start: str = "2019-04-01", months: int = 40) -> pd.DataFrame:
    month = pd.date_range(start, periods=months, freq="MS")
    per_1000 = [400.0 + (i % 5) if m < pd.Timestamp("2020-04-01") else 300.0 + (i % 5) for i, m in enumerate(month)]
    return pd.DataFrame({"month": month, "per_1000": per_1000})


def test_appointment_limits_are_recalculated_from_april_2020_with_the_registered_reason():
    from onehalton import kpis, measures

    (when, why), *_ = measures.get("per_1000").rebases
    r = kpis.xmr_for(_appointment_series(), "per_1000", "month", "no judgement", None)
    assert r.rebases == ({"date": pd.Timestamp(when), "requested": pd.Timestamp(when), "reason": why},)
    assert "Covid-19" in why and when == "2020-04-01"
    # The tile and the board pack judge the same limits the chart draws.
    tile = kpis.headline(_appointment_series(), measures.get("per_1000"), key="t")
    assert tile.variation_icon == r.variation_icon
    # A series that starts after it, or ends before it, is not recalculated (and does not fail).
    assert kpis.xmr_for(_appointment_series("2020-06-01"), "per_1000", "month", "no judgement", None).rebases == ()
    early = _appointment_series("2018-01-01", 20)
    assert kpis.xmr_for(early, "per_1000", "month", "no judgement", None).rebases == ()
    # A measure with no registered rebase is not recalculated.
    assert measures.get("performance").rebases == ()


def test_every_appointment_measure_judges_its_spc_against_the_same_rebase():
    """One process change, one set of limits: a measure from the appointments summary without the rebase would flag
    the post-2020 process as special cause while its neighbours on the same board do not."""
    from onehalton import db, measures

    declared = db.query_specs()["appointments_by_month"].measures
    assert "two_week_share" in declared
    missing = [n for n in declared if measures.get(n).spc and measures.get(n).rebases != measures.COVID_REBASE]
    assert missing == ["population"]  # residents are counted, not served: no process to rebase


def test_the_spc_chart_draws_a_labelled_rule_at_each_rebase_and_the_caption_lists_it():
    from onehalton import charts, kpis, measures, sections

    (when, why), *_ = measures.get("per_1000").rebases
    r = kpis.xmr_for(_appointment_series(), "per_1000", "month", "no judgement", None)
    spec = charts.spc(r.points, kind="rate", title="Per 1,000", rebases=r.rebases).spec_json()

    def rows(layer) -> list[dict]:  # Altair moves inline data into the spec's named datasets
        data = layer.get("data", {})
        return data.get("values") or spec["datasets"].get(data.get("name"), []) if data.get("name") != "table" else []

    rules = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule"]
    assert [v["date"] for layer in rules for v in rows(layer)] == [when]
    assert all(layer["encoding"]["x"]["field"] == "date" for layer in rules)
    texts = [v["label"] for layer in spec["layer"] if layer["mark"]["type"] == "text" for v in rows(layer)]
    # On the chart the reason's first clause (clear of the points); whole in the tooltip and the caption.
    assert len(texts) == 1 and " ".join(texts[0].split()) == f"Limits recalculated: {why.split(':')[0]}"
    reasons = [v["reason"] for layer in rules for v in rows(layer)]
    assert reasons == [why]
    caption = sections.rebase_caption(r.rebases)
    assert caption.startswith(f"Limits recalculated from Apr 2020: {why}")


def test_the_board_pack_recalculates_and_draws_where_the_screen_does():
    from onehalton import kpis
    from onehalton.board_pack.charts import xmr_spec
    from onehalton.board_pack.data import Kpi

    series = _appointment_series()
    kpi = Kpi("per_1000", "Appointments per 1,000", series, "per_1000", "rate", "no judgement")
    assert kpi.result.rebases == kpis.xmr_for(series, "per_1000", "month", "no judgement", None).rebases
    spec = xmr_spec(kpi)
    rules = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule"]
    assert rules and rules[0]["data"]["values"][0]["date"] == "2020-04-01"
