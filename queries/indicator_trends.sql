-- Purpose: Public-health indicator time series for one life-course domain: England, Halton and, when
--          wards are chosen, those wards combined (counts and denominators summed, value recomputed).
--          A directly standardised (dsr) indicator's value is the rate worked out from its age bands
--          (summary indicator_values), with the variance term of its Dobson limits; several wards together have
--          none (their age bands would have to be pooled first), one ward its own.
-- Grain: one row per indicator, area and time period (persons).
-- Parameters: $domain (VARCHAR), $wards (VARCHAR[] or NULL)
-- Tables: indicator_values, indicator_definitions, wards
-- Columns: indicator_id, indicator_name, unit, multiplier, polarity, ci_method, area_type, area_code, area_name, time_period, period_start, count, denominator, value, dsr_variance
-- Measures: count, denominator, value
-- Suppress: ward rows
WITH defs AS (
    SELECT * FROM indicator_definitions WHERE domain = $domain
),
persons AS (
    SELECT v.indicator_id, v.area_code, v.area_type, v.time_period, v.period_start, v.count, v.denominator,
           v.value, v.dsr_variance
    FROM indicator_values AS v JOIN defs USING (indicator_id) WHERE v.sex = 'Persons'
),
chosen_wards AS (
    SELECT
        indicator_id,
        'Ward' AS area_type,
        CASE WHEN count(DISTINCT area_code) = 1 THEN any_value(area_code) ELSE 'selected-wards' END AS area_code,
        CASE WHEN count(DISTINCT area_code) = 1 THEN any_value(w.ward_name)
             ELSE 'Selected wards (' || count(DISTINCT area_code) || ')' END AS area_name,
        time_period,
        period_start,
        sum(count) AS count,
        sum(denominator) AS denominator,
        -- Combined wards need counts; a value-only indicator (a score) keeps its value for one ward only, and so
        -- does a standardised rate (the crude ratio of its summed counts is not one).
        CASE WHEN any_value(d.ci_method) = 'dsr'
             THEN CASE WHEN count(DISTINCT area_code) = 1 THEN any_value(p.value) END
             ELSE coalesce(sum(count) / nullif(sum(denominator), 0) * any_value(d.multiplier),
                           CASE WHEN count(DISTINCT area_code) = 1 THEN any_value(p.value) END)
        END AS value,
        CASE WHEN count(DISTINCT area_code) = 1 THEN any_value(p.dsr_variance) END AS dsr_variance
    FROM persons AS p
    JOIN wards AS w ON w.ward_code = p.area_code
    JOIN defs AS d USING (indicator_id)
    WHERE p.area_type = 'Ward' AND $wards IS NOT NULL AND list_contains($wards, p.area_code)
    GROUP BY indicator_id, time_period, period_start
    HAVING count(count) = count(*) OR count(DISTINCT area_code) = 1
),
areas AS (
    SELECT indicator_id, area_type, area_code,
           CASE area_type WHEN 'England' THEN 'England' ELSE 'Halton' END AS area_name,
           time_period, period_start, count, denominator, value, dsr_variance
    FROM persons
    WHERE area_type IN ('England', 'Local authority')
    UNION ALL
    SELECT * FROM chosen_wards
)
SELECT
    a.indicator_id, d.indicator_name, d.unit, d.multiplier, d.polarity, d.ci_method,
    a.area_type, a.area_code, a.area_name, a.time_period, a.period_start, a.count, a.denominator, a.value,
    a.dsr_variance
FROM areas AS a
JOIN defs AS d USING (indicator_id)
ORDER BY a.indicator_id, CASE a.area_type WHEN 'England' THEN 1 WHEN 'Local authority' THEN 2 ELSE 3 END, a.period_start;
