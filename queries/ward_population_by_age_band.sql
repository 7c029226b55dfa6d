-- Purpose: Resident population by age band for the chosen wards (all of Halton when none chosen).
-- Grain: one row per age band.
-- Parameters: $wards (VARCHAR[] or NULL for all wards)
-- Tables: ward_population
-- Columns: age_band, population
-- Measures: population
-- Suppress: when $wards
SELECT age_band, sum(population) AS population
FROM ward_population
WHERE ($wards IS NULL OR list_contains($wards, ward_code))
GROUP BY age_band
ORDER BY CASE age_band WHEN '0-4' THEN 1 WHEN '5-17' THEN 2 WHEN '18-64' THEN 3
                       WHEN '65-74' THEN 4 WHEN '75-84' THEN 5 ELSE 6 END;
