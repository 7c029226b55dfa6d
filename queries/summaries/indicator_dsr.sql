-- Purpose: Directly standardised rates, worked out once at load from the age-banded counts of every indicator
--          whose method is dsr: each age band's rate weighted by the 2013 European Standard Population, the
--          standard restricted to the bands the indicator has (65-69 to 90+ for ages 65 and over), and the
--          variance term of Dobson's limits. Age-band rows stay here: queries read one row per area and period.
-- Grain: one row per indicator, area, sex and time period with age bands.
-- Parameters: none
-- Tables: indicator_age_bands, indicator_definitions, esp2013
-- Columns: indicator_id, area_code, area_type, sex, time_period, period_start, age_bands, observed, population, dsr_value, dsr_variance
WITH standard AS (
    -- Weights of bands an indicator never has would only scale its every rate down, so they are left out.
    SELECT b.indicator_id, count(*) AS age_bands, sum(e.weight) AS total_weight
    FROM (SELECT DISTINCT indicator_id, age_band FROM indicator_age_bands) AS b
    JOIN esp2013 AS e USING (age_band)
    GROUP BY b.indicator_id
),
areas AS (
    SELECT
        a.indicator_id, a.area_code, any_value(a.area_type) AS area_type, a.sex, a.time_period,
        any_value(a.period_start) AS period_start,
        count(*) AS age_bands,
        CAST(sum(a.count) AS BIGINT) AS observed,
        CAST(sum(a.population) AS BIGINT) AS population,
        sum(a.count / a.population * e.weight) AS weighted_rate,
        sum(a.count * (e.weight / a.population) * (e.weight / a.population)) AS weighted_variance
    FROM indicator_age_bands AS a
    JOIN esp2013 AS e USING (age_band)
    GROUP BY a.indicator_id, a.area_code, a.sex, a.time_period
)
SELECT
    a.indicator_id, a.area_code, a.area_type, a.sex, a.time_period, a.period_start, a.age_bands, a.observed,
    a.population,
    -- Not calculated below 10 events (inequality.DSR_MIN_COUNT), as Fingertips publishes none, nor for an area
    -- missing one of the indicator's bands: its population there is unknown, so its rate would be too.
    CASE WHEN a.observed >= 10 AND a.age_bands = s.age_bands
         THEN a.weighted_rate / s.total_weight * d.multiplier END AS dsr_value,
    CASE WHEN a.observed >= 10 AND a.age_bands = s.age_bands
         THEN a.weighted_variance / (s.total_weight * s.total_weight) END AS dsr_variance
FROM areas AS a
JOIN standard AS s USING (indicator_id)
JOIN indicator_definitions AS d USING (indicator_id)
ORDER BY a.indicator_id, a.area_code, a.sex, a.period_start;
