-- Purpose: The financial years in the budget extract, the latest month with entries, and whether any line is demo data.
-- Grain: one row per financial year.
-- Parameters: none
-- Tables: budget_spend
-- Columns: financial_year, latest_month, is_synthetic
SELECT
    financial_year,
    coalesce(max(month), 1) AS latest_month,
    bool_or(is_synthetic) AS is_synthetic
FROM budget_spend
GROUP BY financial_year
ORDER BY financial_year;
