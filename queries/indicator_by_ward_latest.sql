-- Purpose: Every ward's value for each public-health indicator at the indicator's latest ward period, beside
--          Halton's and England's values for that same period: compare areas, spine charts, need ranking and
--          side-by-side wards. Every ward is listed; a ward without a row that period has NULL figures.
--          A dsr indicator's values are its directly standardised rates from its age bands (summary
--          indicator_values), each ward's with the variance term of its Dobson limits.
-- Grain: one row per indicator (with ward data) and ward (persons).
-- Parameters: $indicator_id (INTEGER or NULL for every indicator)
-- Tables: indicator_values, indicator_definitions, wards, ward_population
-- Columns: indicator_id, indicator_name, domain, unit, multiplier, polarity, ci_method, ward_code, ward_name, town, imd_score, population, time_period, period_start, count, denominator, value, dsr_variance, halton_count, halton_denominator, halton_value, england_value
-- Measures: count, denominator, value
-- Suppress: always; groups: indicator_id
WITH persons AS (
    SELECT indicator_id, area_code, area_type, time_period, period_start, count, denominator, value, dsr_variance
    FROM indicator_values
    WHERE sex = 'Persons' AND ($indicator_id IS NULL OR indicator_id = $indicator_id)
),
latest AS (
    -- The latest period any ward has: a ward a period behind shows as missing, not as last year's figure.
    SELECT indicator_id, max(period_start) AS period_start FROM persons WHERE area_type = 'Ward' GROUP BY indicator_id
),
labels AS (
    SELECT DISTINCT p.indicator_id, p.period_start, p.time_period
    FROM persons AS p JOIN latest USING (indicator_id, period_start)
    WHERE p.area_type = 'Ward'
),
population AS (
    SELECT ward_code, sum(population) AS population FROM ward_population GROUP BY ward_code
)
SELECT
    l.indicator_id, d.indicator_name, d.domain, d.unit, d.multiplier, d.polarity, d.ci_method,
    w.ward_code, w.ward_name, w.town, w.imd_score, coalesce(pop.population, 0) AS population,
    lab.time_period, l.period_start,
    r.count, r.denominator, r.value, r.dsr_variance,
    h.count AS halton_count, h.denominator AS halton_denominator, h.value AS halton_value,
    e.value AS england_value
FROM latest AS l
CROSS JOIN wards AS w
JOIN indicator_definitions AS d ON d.indicator_id = l.indicator_id
JOIN labels AS lab ON lab.indicator_id = l.indicator_id AND lab.period_start = l.period_start
LEFT JOIN population AS pop ON pop.ward_code = w.ward_code
LEFT JOIN persons AS r
       ON r.indicator_id = l.indicator_id AND r.period_start = l.period_start AND r.area_type = 'Ward'
      AND r.area_code = w.ward_code
LEFT JOIN persons AS h
       ON h.indicator_id = l.indicator_id AND h.period_start = l.period_start AND h.area_type = 'Local authority'
LEFT JOIN persons AS e
       ON e.indicator_id = l.indicator_id AND e.period_start = l.period_start AND e.area_type = 'England'
ORDER BY d.domain, l.indicator_id, w.imd_score DESC, w.ward_name;
