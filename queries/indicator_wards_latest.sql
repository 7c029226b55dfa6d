-- Purpose: Each ward's latest value for every indicator in a life-course domain, beside Halton's value
--          for the same period, so the population health team can see where need is greatest.
-- Grain: one row per indicator and ward (latest period with ward data, persons).
-- Parameters: $domain (VARCHAR)
-- Tables: indicators, indicator_definitions, wards
-- Columns: indicator_id, indicator_name, unit, multiplier, polarity, ci_method, ward_code, ward_name, imd_score, time_period, count, denominator, value, halton_value
-- Measures: count, denominator, value
-- Suppress: always; groups: indicator_id
WITH defs AS (
    SELECT * FROM indicator_definitions WHERE domain = $domain
),
ward_rows AS (
    SELECT i.* FROM indicators AS i JOIN defs USING (indicator_id)
    WHERE i.area_type = 'Ward' AND i.sex = 'Persons'
),
latest AS (
    SELECT indicator_id, max(period_start) AS period_start FROM ward_rows GROUP BY indicator_id
),
halton AS (
    SELECT indicator_id, period_start, value AS halton_value
    FROM indicators WHERE area_type = 'Local authority' AND sex = 'Persons'
)
SELECT
    r.indicator_id, d.indicator_name, d.unit, d.multiplier, d.polarity, d.ci_method,
    r.area_code AS ward_code, w.ward_name, w.imd_score, r.time_period, r.count, r.denominator, r.value,
    h.halton_value
FROM ward_rows AS r
JOIN latest AS l USING (indicator_id, period_start)
JOIN defs AS d USING (indicator_id)
JOIN wards AS w ON w.ward_code = r.area_code
LEFT JOIN halton AS h USING (indicator_id, period_start)
ORDER BY r.indicator_id, w.imd_score DESC, w.ward_name;
