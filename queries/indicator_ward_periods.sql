-- Purpose: Each ward's count in every single period that queries/indicator_by_ward_pooled.sql pools for an
--          indicator, so a pooled figure can be withheld where, with the single periods shown elsewhere, it would
--          give away a suppressed single-period count.
-- Grain: one row per ward and period (the $periods most recent ward periods; persons).
-- Parameters: $indicator_id (INTEGER), $periods (INTEGER, 2 or more)
-- Tables: indicators
-- Columns: indicator_id, ward_code, time_period, period_start, count, denominator
-- Measures: count, denominator
-- Suppress: always; groups: indicator_id, time_period
WITH ward_rows AS (
    SELECT * FROM indicators WHERE indicator_id = $indicator_id AND area_type = 'Ward' AND sex = 'Persons'
),
periods AS (
    SELECT period_start, row_number() OVER (ORDER BY period_start DESC) AS recency
    FROM (SELECT DISTINCT period_start FROM ward_rows)
)
SELECT r.indicator_id, r.area_code AS ward_code, r.time_period, r.period_start, r.count, r.denominator
FROM ward_rows AS r
JOIN periods AS p USING (period_start)
WHERE p.recency <= $periods
ORDER BY r.area_code, r.period_start;
