-- Purpose: The budget statement for a financial year as at a month, as the partnership reads it:
--          each line, a subtotal per ledger and funding source, and a grand total.
--          YTD actuals include prior-year invoices; M12 total (forecast) = YTD + accruals at the
--          as-at month; variance = budget - M12 total. Money stays DECIMAL throughout.
-- Grain: one row per budget line, plus one subtotal row per funding source and one total row.
-- Parameters: $fy (VARCHAR, e.g. '2020/21'), $month (INTEGER financial month, 1 = April)
-- Tables: budget_spend
-- Columns: row_type, org_ledger, funding_source, line_title, host, budget, prior_year_invoices, m01, m02, m03, m04, m05, m06, m07, m08, m09, m10, m11, m12, ytd_actuals, accruals, m12_total, variance, is_synthetic
-- Measures: budget, ytd_actuals, accruals, m12_total, variance
-- Suppress: none
WITH lines AS (
    SELECT
        org_ledger,
        funding_source,
        line_title,
        coalesce(host, '') AS host,
        coalesce(sum(amount_gbp) FILTER (WHERE entry_type = 'budget'), 0) AS budget,
        coalesce(sum(amount_gbp) FILTER (WHERE entry_type = 'prior_year_invoice'), 0) AS prior_year_invoices,
        coalesce(sum(amount_gbp) FILTER (WHERE entry_type = 'actual' AND month = 1 AND month <= $month), 0) AS m01,
        coalesce(sum(amount_gbp) FILTER (WHERE entry_type = 'actual' AND month = 2 AND month <= $month), 0) AS m02,
        coalesce(sum(amount_gbp) FILTER (WHERE entry_type = 'actual' AND month = 3 AND month <= $month), 0) AS m03,
        coalesce(sum(amount_gbp) FILTER (WHERE entry_type = 'actual' AND month = 4 AND month <= $month), 0) AS m04,
        coalesce(sum(amount_gbp) FILTER (WHERE entry_type = 'actual' AND month = 5 AND month <= $month), 0) AS m05,
        coalesce(sum(amount_gbp) FILTER (WHERE entry_type = 'actual' AND month = 6 AND month <= $month), 0) AS m06,
        coalesce(sum(amount_gbp) FILTER (WHERE entry_type = 'actual' AND month = 7 AND month <= $month), 0) AS m07,
        coalesce(sum(amount_gbp) FILTER (WHERE entry_type = 'actual' AND month = 8 AND month <= $month), 0) AS m08,
        coalesce(sum(amount_gbp) FILTER (WHERE entry_type = 'actual' AND month = 9 AND month <= $month), 0) AS m09,
        coalesce(sum(amount_gbp) FILTER (WHERE entry_type = 'actual' AND month = 10 AND month <= $month), 0) AS m10,
        coalesce(sum(amount_gbp) FILTER (WHERE entry_type = 'actual' AND month = 11 AND month <= $month), 0) AS m11,
        coalesce(sum(amount_gbp) FILTER (WHERE entry_type = 'actual' AND month = 12 AND month <= $month), 0) AS m12,
        coalesce(sum(amount_gbp) FILTER (WHERE entry_type = 'accrual' AND month = $month), 0) AS accruals,
        bool_or(is_synthetic) AS is_synthetic
    FROM budget_spend
    WHERE financial_year = $fy
    GROUP BY org_ledger, funding_source, line_title, coalesce(host, '')
),
rolled AS (
    SELECT
        CASE grouping(org_ledger, funding_source, line_title, host)
            WHEN 0 THEN 'line' WHEN 3 THEN 'subtotal' ELSE 'total' END AS row_type,
        org_ledger, funding_source, line_title, host,
        sum(budget) AS budget, sum(prior_year_invoices) AS prior_year_invoices,
        sum(m01) AS m01, sum(m02) AS m02, sum(m03) AS m03, sum(m04) AS m04, sum(m05) AS m05, sum(m06) AS m06,
        sum(m07) AS m07, sum(m08) AS m08, sum(m09) AS m09, sum(m10) AS m10, sum(m11) AS m11, sum(m12) AS m12,
        sum(accruals) AS accruals,
        bool_or(is_synthetic) AS is_synthetic
    FROM lines
    GROUP BY GROUPING SETS ((org_ledger, funding_source, line_title, host), (org_ledger, funding_source), ())
)
SELECT
    row_type, org_ledger, funding_source, line_title, host, budget, prior_year_invoices,
    m01, m02, m03, m04, m05, m06, m07, m08, m09, m10, m11, m12,
    prior_year_invoices + m01 + m02 + m03 + m04 + m05 + m06 + m07 + m08 + m09 + m10 + m11 + m12 AS ytd_actuals,
    accruals,
    prior_year_invoices + m01 + m02 + m03 + m04 + m05 + m06 + m07 + m08 + m09 + m10 + m11 + m12 + accruals AS m12_total,
    budget - (prior_year_invoices + m01 + m02 + m03 + m04 + m05 + m06 + m07 + m08 + m09 + m10 + m11 + m12 + accruals) AS variance,
    is_synthetic
FROM rolled
ORDER BY row_type = 'total', org_ledger NULLS LAST, funding_source NULLS LAST, row_type = 'subtotal', line_title, host;
