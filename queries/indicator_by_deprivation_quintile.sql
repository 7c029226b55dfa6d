-- Purpose: One indicator by ward deprivation quintile at its latest ward period, for the slope index of
--          inequality: wards split into five groups by IMD score (1 = most deprived; 18 wards give 4, 4, 4, 3, 3)
--          and each group's counts and denominators summed. Value-only indicators have NULL figures, and
--          a directly standardised rate a NULL value.
-- Grain: one row per deprivation quintile (persons).
-- Parameters: $indicator_id (INTEGER)
-- Tables: indicators, indicator_definitions, wards, ward_population
-- Columns: indicator_id, indicator_name, unit, multiplier, polarity, ci_method, time_period, quintile, wards, ward_names, population, count, denominator, value
-- Measures: population, count, denominator, value
-- Suppress: always; groups: indicator_id
WITH ward_rows AS (
    SELECT * FROM indicators WHERE indicator_id = $indicator_id AND area_type = 'Ward' AND sex = 'Persons'
),
latest AS (
    SELECT max(period_start) AS period_start FROM ward_rows
),
quintiles AS (
    SELECT ward_code, ward_name, imd_score, ntile(5) OVER (ORDER BY imd_score DESC, ward_code) AS quintile
    FROM wards
),
population AS (
    SELECT ward_code, sum(population) AS population FROM ward_population GROUP BY ward_code
)
SELECT
    d.indicator_id, d.indicator_name, d.unit, d.multiplier, d.polarity, d.ci_method,
    any_value(r.time_period) AS time_period,
    q.quintile,
    count(*) AS wards,
    string_agg(q.ward_name, ' | ' ORDER BY q.imd_score DESC) AS ward_names,
    sum(coalesce(p.population, 0)) AS population,
    -- A quintile with any ward missing a count is not summed: a partial total would look complete.
    CASE WHEN count(r.count) = count(*) AND count(r.denominator) = count(*) THEN sum(r.count) END AS count,
    CASE WHEN count(r.count) = count(*) AND count(r.denominator) = count(*) THEN sum(r.denominator) END
        AS denominator,
    -- A directly standardised rate is not the ratio of its summed counts: no value without pooled age bands.
    CASE WHEN count(r.count) = count(*) AND count(r.denominator) = count(*) AND d.ci_method <> 'dsr'
         THEN sum(r.count) / nullif(sum(r.denominator), 0) * any_value(d.multiplier) END AS value
FROM quintiles AS q
CROSS JOIN latest AS l
JOIN indicator_definitions AS d ON d.indicator_id = $indicator_id
LEFT JOIN ward_rows AS r ON r.area_code = q.ward_code AND r.period_start = l.period_start
LEFT JOIN population AS p ON p.ward_code = q.ward_code
WHERE l.period_start IS NOT NULL
GROUP BY d.indicator_id, d.indicator_name, d.unit, d.multiplier, d.polarity, d.ci_method, q.quintile
ORDER BY q.quintile;
