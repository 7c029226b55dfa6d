-- Purpose: Where need is greatest: appointments per 1,000 residents and DNA rate for each ward over
--          the chosen period and age bands, with deprivation, ranked by rate.
-- Grain: one row per ward.
-- Parameters: $age_bands (VARCHAR[] or NULL), $start (DATE), $end (DATE)
-- Tables: appointments_ward_month, wards, ward_population
-- Columns: ward_code, ward_name, town, imd_score, population, months, person_months, appointments, per_1000_per_month, attended, dna, dna_rate
-- Measures: population, appointments, per_1000_per_month, attended, dna, dna_rate
-- Suppress: always; groups: all
WITH period AS (
    -- Months in the extract within the period: a ward or practice with a month of no activity
    -- must still have that month in its average.
    SELECT count(DISTINCT appointment_month) AS months
    FROM appointments_ward_month
    WHERE appointment_month BETWEEN $start AND $end
),
activity AS (
    SELECT
        ward_code,
        sum(appointments) AS appointments,
        sum(attended) AS attended,
        sum(dna) AS dna
    FROM appointments_ward_month
    WHERE appointment_month BETWEEN $start AND $end
      AND ($age_bands IS NULL OR list_contains($age_bands, age_band))
    GROUP BY ward_code
),
population AS (
    SELECT ward_code, sum(population) AS population
    FROM ward_population
    WHERE ($age_bands IS NULL OR list_contains($age_bands, age_band))
    GROUP BY ward_code
)
SELECT
    w.ward_code,
    w.ward_name,
    w.town,
    w.imd_score,
    p.population,
    period.months,
    p.population * period.months AS person_months,
    a.appointments,
    a.appointments * 1000.0 / nullif(p.population, 0) / nullif(period.months, 0) AS per_1000_per_month,
    a.attended,
    a.dna AS dna,
    a.dna / nullif(a.attended + a.dna, 0) AS dna_rate
FROM activity AS a
JOIN wards AS w USING (ward_code)
LEFT JOIN population AS p USING (ward_code)
CROSS JOIN period
ORDER BY per_1000_per_month DESC NULLS LAST, w.ward_name;
