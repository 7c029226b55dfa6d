-- Purpose: General practice activity per month for the chosen wards and age bands: volume, rate per
--          1,000 residents, DNA rate, same-day share and mode mix.
-- Grain: one row per month.
-- Parameters: $wards (VARCHAR[] or NULL), $age_bands (VARCHAR[] or NULL), $start (DATE), $end (DATE)
-- Tables: appointments, ward_population
-- Columns: month, appointments, attended, dna, home_visits, face_to_face, same_day, known_lead_time, population, per_1000, dna_rate, same_day_share, face_to_face_share
WITH monthly AS (
    SELECT
        appointment_month AS month,
        sum(count_of_appointments) AS appointments,
        sum(count_of_appointments) FILTER (WHERE appt_status = 'Attended') AS attended,
        sum(count_of_appointments) FILTER (WHERE appt_status = 'DNA') AS dna,
        sum(count_of_appointments) FILTER (WHERE appt_mode = 'Home Visit') AS home_visits,
        sum(count_of_appointments) FILTER (WHERE appt_mode = 'Face-to-Face') AS face_to_face,
        sum(count_of_appointments) FILTER (WHERE appt_mode <> 'Unknown') AS known_mode,
        sum(count_of_appointments) FILTER (WHERE time_between_book_and_appt = 'Same Day') AS same_day,
        sum(count_of_appointments) FILTER (WHERE time_between_book_and_appt NOT LIKE 'Unknown%') AS known_lead_time
    FROM appointments
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
    coalesce(m.attended, 0) AS attended,
    coalesce(m.dna, 0) AS dna,
    coalesce(m.home_visits, 0) AS home_visits,
    coalesce(m.face_to_face, 0) AS face_to_face,
    coalesce(m.same_day, 0) AS same_day,
    coalesce(m.known_lead_time, 0) AS known_lead_time,
    p.population,
    m.appointments * 1000.0 / nullif(p.population, 0) AS per_1000,
    -- Unknown status is left out of the DNA rate, as NHS England reports it.
    coalesce(m.dna, 0) / nullif(coalesce(m.attended, 0) + coalesce(m.dna, 0), 0) AS dna_rate,
    coalesce(m.same_day, 0) / nullif(m.known_lead_time, 0) AS same_day_share,
    coalesce(m.face_to_face, 0) / nullif(m.known_mode, 0) AS face_to_face_share
FROM monthly AS m
CROSS JOIN population AS p
ORDER BY m.month;
