-- Purpose: Cancer 28-day Faster Diagnosis Standard performance by cancer type and route over the chosen period.
-- Grain: one row per cancer type and referral route.
-- Parameters: $start (DATE), $end (DATE)
-- Tables: cancer_fds
-- Columns: cancer_type, stage_route, total, within_standard, breaches, performance
-- Measures: total, within_standard, performance
-- Suppress: none
SELECT
    cancer_type,
    stage_route,
    sum(total) AS total,
    sum(within_standard) AS within_standard,
    sum(breaches) AS breaches,
    sum(within_standard) / nullif(sum(total), 0) AS performance
FROM cancer_fds
WHERE period BETWEEN $start AND $end
GROUP BY cancer_type, stage_route
ORDER BY performance, cancer_type;
