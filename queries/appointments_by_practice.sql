-- Purpose: General practice access by practice over the chosen period, for the chosen wards of residence.
-- Grain: one row per practice.
-- Parameters: $wards (VARCHAR[] or NULL), $start (DATE), $end (DATE)
-- Tables: appointments_practice_month, practices, pcns
-- Columns: gp_code, gp_name, pcn_name, list_size, months, person_months, appointments, per_1000_per_month, attended, dna, dna_rate, same_day, known_lead_time, same_day_share, face_to_face, face_to_face_share
-- Measures: appointments, per_1000_per_month, attended, dna, dna_rate, same_day, known_lead_time, same_day_share, face_to_face, face_to_face_share
-- Suppress: always; groups: all
WITH period AS (
    -- Months in the extract within the period: a ward or practice with a month of no activity
    -- must still have that month in its average.
    SELECT count(DISTINCT appointment_month) AS months
    FROM appointments_practice_month
    WHERE appointment_month BETWEEN $start AND $end
),
activity AS (
    SELECT
        gp_code,
        sum(appointments) AS appointments,
        sum(attended) AS attended,
        sum(dna) AS dna,
        sum(same_day) AS same_day,
        sum(known_lead_time) AS known_lead_time,
        sum(face_to_face) AS face_to_face,
        sum(known_mode) AS known_mode
    FROM appointments_practice_month
    WHERE appointment_month BETWEEN $start AND $end
      AND ($wards IS NULL OR list_contains($wards, ward_code))
    GROUP BY gp_code
)
SELECT
    p.gp_code,
    p.gp_name,
    n.pcn_name,
    p.list_size,
    period.months,
    p.list_size * period.months AS person_months,
    a.appointments,
    -- List size is the whole practice, so the rate is only meaningful unfiltered by ward.
    a.appointments * 1000.0 / nullif(p.list_size, 0) / nullif(period.months, 0) AS per_1000_per_month,
    a.attended,
    a.dna,
    a.dna / nullif(a.attended + a.dna, 0) AS dna_rate,
    a.same_day,
    a.known_lead_time,
    a.same_day / nullif(a.known_lead_time, 0) AS same_day_share,
    a.face_to_face,
    a.face_to_face / nullif(a.appointments, 0) AS face_to_face_share
FROM activity AS a
JOIN practices AS p USING (gp_code)
JOIN pcns AS n USING (pcn_code)
CROSS JOIN period
ORDER BY a.appointments DESC, p.gp_name;
