-- Purpose: Cumulative spend through a financial year against the annual budget, for the spend chart.
--          Prior-year invoices count from month 1, as they do in YTD actuals.
-- Grain: one row per financial month up to the as-at month.
-- Parameters: $fy (VARCHAR), $month (INTEGER financial month, 1 = April)
-- Tables: budget_spend
-- Columns: fy_month, actuals, cumulative_actuals, budget
-- Measures: budget
-- Suppress: none
WITH months AS (
    SELECT unnest(range(1, $month + 1)) AS fy_month
),
spend AS (
    SELECT
        CASE WHEN entry_type = 'prior_year_invoice' THEN 1 ELSE month END AS fy_month,
        sum(amount_gbp) AS actuals
    FROM budget_spend
    WHERE financial_year = $fy AND entry_type IN ('actual', 'prior_year_invoice')
    GROUP BY 1
),
budget AS (
    SELECT sum(amount_gbp) AS budget FROM budget_spend WHERE financial_year = $fy AND entry_type = 'budget'
)
SELECT
    m.fy_month,
    coalesce(s.actuals, 0) AS actuals,
    sum(coalesce(s.actuals, 0)) OVER (ORDER BY m.fy_month) AS cumulative_actuals,
    b.budget
FROM months AS m
LEFT JOIN spend AS s USING (fy_month)
CROSS JOIN budget AS b
ORDER BY m.fy_month;
