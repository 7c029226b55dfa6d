-- Purpose: Learning disability health check uptake by practice at the latest month on or before the
--          end of the chosen period (cumulative in that financial year).
-- Grain: one row per practice.
-- Parameters: $end (DATE)
-- Tables: ld_health_checks, practices, pcns
-- Columns: month, gp_code, gp_name, pcn_name, checks, register, declined, uptake
-- Measures: checks, register, declined, uptake
-- Suppress: always; groups: month
WITH latest AS (
    SELECT max(achievement_month) AS month FROM ld_health_checks WHERE achievement_month <= $end
)
SELECT
    l.month,
    p.gp_code,
    p.gp_name,
    n.pcn_name,
    sum(h.numerator) AS checks,
    sum(h.denominator) + sum(h.declined) AS register,
    sum(h.declined) AS declined,
    sum(h.numerator) / nullif(sum(h.denominator) + sum(h.declined), 0) AS uptake
FROM ld_health_checks AS h
JOIN latest AS l ON h.achievement_month = l.month
JOIN practices AS p USING (gp_code)
JOIN pcns AS n USING (pcn_code)
GROUP BY ALL
ORDER BY uptake, p.gp_name;
