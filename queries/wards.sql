-- Purpose: The electoral wards with their population and deprivation, for filters and ward profiles.
-- Grain: one row per ward.
-- Parameters: none
-- Tables: wards, ward_population
-- Columns: ward_code, ward_name, town, imd_score, imd_rank, population, code_verified
-- Measures: population
-- Suppress: none
-- (Reference table: whole wards of 5,000 to 9,500 residents, published by ONS; no small count in it.)
SELECT
    w.ward_code,
    w.ward_name,
    w.town,
    w.imd_score,
    -- Rank 1 is the most deprived ward, as local profiles present it.
    rank() OVER (ORDER BY w.imd_score DESC) AS imd_rank,
    coalesce(p.population, 0) AS population,
    w.code_verified
FROM wards AS w
LEFT JOIN (
    SELECT ward_code, sum(population) AS population FROM ward_population GROUP BY ward_code
) AS p USING (ward_code)
ORDER BY w.ward_name;
