-- Purpose: Learning disability annual health check uptake across Halton, cumulative within each
--          financial year, with last year's uptake at the same point and at year end, so the page
--          can show an in-year trajectory against the year-end ambition.
-- Grain: one row per month.
-- Parameters: $start (DATE), $end (DATE)
-- Tables: ld_health_checks
-- Columns: month, financial_year, fy_month, checks, register, declined, uptake, last_year_same_month, last_year_final, projected_year_end
-- Measures: checks, register, declined, uptake
-- Suppress: none
WITH monthly AS (
    SELECT
        achievement_month AS month,
        -- Financial years run April to March; fy_month 1 is April.
        CASE WHEN month(achievement_month) >= 4 THEN year(achievement_month) ELSE year(achievement_month) - 1 END AS fy_start,
        (month(achievement_month) + 8) % 12 + 1 AS fy_month,
        sum(numerator) AS checks,
        sum(denominator) + sum(declined) AS register,
        sum(declined) AS declined
    FROM ld_health_checks
    GROUP BY achievement_month
),
with_uptake AS (
    SELECT *, checks / nullif(register, 0) AS uptake FROM monthly
),
finals AS (
    SELECT fy_start, arg_max(uptake, fy_month) AS final_uptake, max(fy_month) AS last_fy_month
    FROM with_uptake GROUP BY fy_start
)
SELECT
    c.month,
    printf('%d/%02d', c.fy_start, (c.fy_start + 1) % 100) AS financial_year,
    c.fy_month,
    c.checks,
    c.register,
    c.declined,
    c.uptake,
    p.uptake AS last_year_same_month,
    CASE WHEN f.last_fy_month = 12 THEN f.final_uptake END AS last_year_final,
    -- Checks bunch towards March, so the fair projection adds last year's remaining in-year gain.
    CASE WHEN f.last_fy_month = 12 THEN least(1.0, c.uptake + (f.final_uptake - p.uptake)) END AS projected_year_end
FROM with_uptake AS c
LEFT JOIN with_uptake AS p ON p.fy_start = c.fy_start - 1 AND p.fy_month = c.fy_month
LEFT JOIN finals AS f ON f.fy_start = c.fy_start - 1
WHERE c.month BETWEEN $start AND $end
ORDER BY c.month;
