-- Purpose: Each ward's latest value for every indicator in a life-course domain, beside Halton's value
--          for the same period, so the population health team can see where need is greatest.
--          A dsr indicator's values are its directly standardised rates from its age bands (summary
--          indicator_values), each ward's with the variance term of its Dobson limits.
-- Grain: one row per indicator and ward (latest period with ward data, persons).
-- Parameters: $domain (VARCHAR)
-- Tables: indicator_values, indicator_definitions, wards
-- Columns: indicator_id, indicator_name, unit, multiplier, polarity, ci_method, ward_code, ward_name, imd_score, time_period, count, denominator, value, dsr_variance, halton_value
-- Measures: count, denominator, value
-- Suppress: always; groups: indicator_id
WITH defs AS (
    SELECT * FROM indicator_definitions WHERE domain = $domain
),
persons AS (
    SELECT v.indicator_id, v.area_code, v.area_type, v.time_period, v.period_start, v.count, v.denominator,
           v.value, v.dsr_variance
    FROM indicator_values AS v JOIN defs USING (indicator_id) WHERE v.sex = 'Persons'
),
ward_rows AS (
    SELECT * FROM persons WHERE area_type = 'Ward'
),
latest AS (
    SELECT indicator_id, max(period_start) AS period_start FROM ward_rows GROUP BY indicator_id
),
halton AS (
    SELECT indicator_id, period_start, value AS halton_value
    FROM persons WHERE area_type = 'Local authority'
)
SELECT
    r.indicator_id, d.indicator_name, d.unit, d.multiplier, d.polarity, d.ci_method,
    r.area_code AS ward_code, w.ward_name, w.imd_score, r.time_period, r.count, r.denominator, r.value,
    r.dsr_variance, h.halton_value
FROM ward_rows AS r
JOIN latest AS l USING (indicator_id, period_start)
JOIN defs AS d USING (indicator_id)
JOIN wards AS w ON w.ward_code = r.area_code
LEFT JOIN halton AS h USING (indicator_id, period_start)
ORDER BY r.indicator_id, w.imd_score DESC, w.ward_name;
