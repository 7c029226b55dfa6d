-- Purpose: Cancer 28-day Faster Diagnosis Standard performance per month for Halton.
-- Grain: one row per month.
-- Parameters: $start (DATE), $end (DATE)
-- Tables: cancer_fds
-- Columns: month, total, within_standard, breaches, performance
-- Measures: total, within_standard, breaches, performance
-- Suppress: none
SELECT
    period AS month,
    sum(total) AS total,
    sum(within_standard) AS within_standard,
    sum(breaches) AS breaches,
    sum(within_standard) / nullif(sum(total), 0) AS performance
FROM cancer_fds
WHERE period BETWEEN $start AND $end
GROUP BY period
ORDER BY period;
