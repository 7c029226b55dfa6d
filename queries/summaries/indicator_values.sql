-- Purpose: Every indicator row with the value the pages show, defined once: a directly standardised indicator's
--          rate worked out from its age bands (summary indicator_dsr) where it has them, else the value as
--          published (then with no limits); and the variance term of its Dobson limits.
-- Grain: one row per indicator, area, sex and time period (as the indicators extract).
-- Parameters: none
-- Tables: indicators, indicator_definitions, indicator_dsr
-- Columns: indicator_id, area_code, area_type, sex, time_period, period_start, count, denominator, value, dsr_variance
SELECT
    i.indicator_id, i.area_code, i.area_type, i.sex, i.time_period, i.period_start, i.count, i.denominator,
    CASE WHEN d.ci_method = 'dsr' AND ds.indicator_id IS NOT NULL THEN ds.dsr_value ELSE i.value END AS value,
    ds.dsr_variance
FROM indicators AS i
JOIN indicator_definitions AS d USING (indicator_id)
LEFT JOIN indicator_dsr AS ds USING (indicator_id, area_code, sex, time_period)
