-- Purpose: The latest value of every indicator (all domains) for England, Halton and, when wards are
--          chosen, those wards combined; for the Overview headline tiles and the ward profile.
--          A dsr indicator's value is its directly standardised rate from its age bands (summary
--          indicator_values) with its Dobson variance term; several wards together have none, one ward its own.
-- Grain: one row per indicator and area, at that indicator's latest period (persons).
-- Parameters: $wards (VARCHAR[] or NULL)
-- Tables: indicator_values, indicator_definitions, wards
-- Columns: domain, indicator_id, indicator_name, unit, multiplier, polarity, ci_method, area_type, area_name, time_period, count, denominator, value, dsr_variance
-- Measures: count, denominator, value
-- Suppress: ward rows
WITH persons AS (
    SELECT indicator_id, area_code, area_type, time_period, period_start, count, denominator, value, dsr_variance
    FROM indicator_values WHERE sex = 'Persons'
),
latest AS (
    SELECT indicator_id, max(period_start) AS period_start
    FROM persons WHERE area_type = 'Local authority' GROUP BY indicator_id
),
current AS (
    SELECT p.* FROM persons AS p JOIN latest USING (indicator_id, period_start)
),
areas AS (
    SELECT indicator_id, area_type, CASE area_type WHEN 'England' THEN 'England' ELSE 'Halton' END AS area_name,
           time_period, count, denominator, value, dsr_variance
    FROM current WHERE area_type IN ('England', 'Local authority')
    UNION ALL
    SELECT c.indicator_id, 'Ward',
           CASE WHEN count(*) = 1 THEN any_value(w.ward_name) ELSE 'Selected wards (' || count(*) || ')' END,
           any_value(c.time_period), sum(c.count), sum(c.denominator),
           -- A value-only indicator (a score) keeps its published value for one ward; several need counts. So
           -- does a standardised rate: the crude ratio of its summed counts is not one.
           CASE WHEN any_value(d.ci_method) = 'dsr' THEN CASE WHEN count(*) = 1 THEN any_value(c.value) END
                ELSE coalesce(sum(c.count) / nullif(sum(c.denominator), 0) * any_value(d.multiplier),
                              CASE WHEN count(*) = 1 THEN any_value(c.value) END)
           END,
           CASE WHEN count(*) = 1 THEN any_value(c.dsr_variance) END
    FROM current AS c
    JOIN wards AS w ON w.ward_code = c.area_code
    JOIN indicator_definitions AS d USING (indicator_id)
    WHERE c.area_type = 'Ward' AND $wards IS NOT NULL AND list_contains($wards, c.area_code)
    GROUP BY c.indicator_id
    HAVING count(c.count) = count(*) OR count(*) = 1
)
SELECT d.domain, a.indicator_id, d.indicator_name, d.unit, d.multiplier, d.polarity, d.ci_method,
       a.area_type, a.area_name, a.time_period, a.count, a.denominator, a.value, a.dsr_variance
FROM areas AS a
JOIN indicator_definitions AS d USING (indicator_id)
ORDER BY d.domain, a.indicator_id, CASE a.area_type WHEN 'England' THEN 1 WHEN 'Local authority' THEN 2 ELSE 3 END;
