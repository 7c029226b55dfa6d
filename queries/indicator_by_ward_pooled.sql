-- Purpose: Each ward's value over the most recent $periods periods pooled together (counts and denominators
--          summed, value recomputed), as Fingertips pools years for small areas, beside Halton pooled over the
--          same periods. Only count-based indicators pool (not a standardised rate); a ward missing any of the periods gets NULL figures.
-- Grain: one row per count-based indicator (with ward data) and ward (persons).
-- Parameters: $indicator_id (INTEGER or NULL for every indicator), $periods (INTEGER, 2 or more)
-- Tables: indicators, indicator_definitions, wards
-- Columns: indicator_id, indicator_name, unit, multiplier, polarity, ci_method, ward_code, ward_name, imd_score, periods_pooled, first_period, last_period, time_period, count, denominator, value, halton_count, halton_denominator, halton_value
-- Measures: count, denominator, value
-- Suppress: always; groups: indicator_id
WITH persons AS (
    SELECT * FROM indicators
    WHERE sex = 'Persons' AND ($indicator_id IS NULL OR indicator_id = $indicator_id)
),
ward_periods AS (
    SELECT indicator_id, period_start, any_value(time_period) AS time_period,
           row_number() OVER (PARTITION BY indicator_id ORDER BY period_start DESC) AS recency
    FROM persons WHERE area_type = 'Ward'
    GROUP BY indicator_id, period_start
),
chosen AS (
    SELECT * FROM ward_periods WHERE recency <= $periods
),
span AS (
    SELECT indicator_id, count(*) AS periods_pooled,
           arg_min(time_period, period_start) AS first_period, arg_max(time_period, period_start) AS last_period
    FROM chosen GROUP BY indicator_id
    HAVING count(*) = $periods
),
count_based AS (
    -- A score or life expectancy has no counts to add up; a directly standardised rate's summed counts give only
    -- a crude rate (pooling it would need its age bands pooled), so it is not pooled either.
    SELECT indicator_id FROM persons
    JOIN indicator_definitions AS d USING (indicator_id)
    WHERE area_type = 'Ward' AND d.ci_method <> 'dsr'
    GROUP BY indicator_id HAVING count(count) > 0
),
pooled AS (
    SELECT p.indicator_id, p.area_type, p.area_code,
           CASE WHEN count(p.count) = $periods AND count(p.denominator) = $periods THEN sum(p.count) END AS count,
           CASE WHEN count(p.count) = $periods AND count(p.denominator) = $periods THEN sum(p.denominator) END
               AS denominator
    FROM persons AS p JOIN chosen AS c USING (indicator_id, period_start)
    WHERE p.area_type IN ('Ward', 'Local authority')
    GROUP BY p.indicator_id, p.area_type, p.area_code
)
SELECT
    s.indicator_id, d.indicator_name, d.unit, d.multiplier, d.polarity, d.ci_method,
    w.ward_code, w.ward_name, w.imd_score,
    s.periods_pooled, s.first_period, s.last_period,
    s.first_period || ' to ' || s.last_period || ' (pooled)' AS time_period,
    r.count, r.denominator, r.count / nullif(r.denominator, 0) * d.multiplier AS value,
    h.count AS halton_count, h.denominator AS halton_denominator,
    h.count / nullif(h.denominator, 0) * d.multiplier AS halton_value
FROM span AS s
JOIN count_based USING (indicator_id)
CROSS JOIN wards AS w
JOIN indicator_definitions AS d ON d.indicator_id = s.indicator_id
LEFT JOIN pooled AS r ON r.indicator_id = s.indicator_id AND r.area_type = 'Ward' AND r.area_code = w.ward_code
LEFT JOIN pooled AS h ON h.indicator_id = s.indicator_id AND h.area_type = 'Local authority'
ORDER BY s.indicator_id, w.imd_score DESC, w.ward_name;
