-- Purpose: General practice activity per month for the chosen wards and age bands: volume, rate per
--          1,000 residents, DNA rate, same-day and two-week shares and mode mix.
-- Grain: one row per month.
-- Parameters: $wards (VARCHAR[] or NULL), $age_bands (VARCHAR[] or NULL), $start (DATE), $end (DATE)
-- Tables: appointments_ward_month, ward_population
-- Columns: month, appointments, attended, dna, home_visits, face_to_face, same_day, within_two_weeks, known_lead_time, population, per_1000, dna_rate, same_day_share, two_week_share, face_to_face_share
-- Measures: appointments, attended, dna, home_visits, face_to_face, same_day, within_two_weeks, known_lead_time, population, per_1000, dna_rate, same_day_share, two_week_share, face_to_face_share
-- Suppress: when $wards
WITH monthly AS (
    SELECT
        appointment_month AS month,
        sum(appointments) AS appointments,
        sum(attended) AS attended,
        sum(dna) AS dna,
        sum(home_visit) AS home_visits,
        sum(face_to_face) AS face_to_face,
        sum(appointments) - sum(unknown_mode) AS known_mode,
        sum(same_day) AS same_day,
        sum(within_two_weeks) AS within_two_weeks,
        sum(known_lead_time) AS known_lead_time
    FROM appointments_ward_month
    WHERE appointment_month BETWEEN $start AND $end
      AND ($wards IS NULL OR list_contains($wards, ward_code))
      AND ($age_bands IS NULL OR list_contains($age_bands, age_band))
    GROUP BY appointment_month
),
population AS (
    SELECT sum(population) AS population
    FROM ward_population
    WHERE ($wards IS NULL OR list_contains($wards, ward_code))
      AND ($age_bands IS NULL OR list_contains($age_bands, age_band))
)
SELECT
    m.month,
    m.appointments,
    m.attended,
    m.dna,
    m.home_visits,
    m.face_to_face,
    m.same_day,
    m.within_two_weeks,
    m.known_lead_time,
    p.population,
    m.appointments * 1000.0 / nullif(p.population, 0) AS per_1000,
    -- Unknown status is left out of the DNA rate, as NHS England reports it.
    m.dna / nullif(m.attended + m.dna, 0) AS dna_rate,
    m.same_day / nullif(m.known_lead_time, 0) AS same_day_share,
    -- Within two weeks of booking: the GP access recovery plan's measure of a timely routine appointment.
    m.within_two_weeks / nullif(m.known_lead_time, 0) AS two_week_share,
    m.face_to_face / nullif(m.known_mode, 0) AS face_to_face_share
FROM monthly AS m
CROSS JOIN population AS p
ORDER BY m.month;
