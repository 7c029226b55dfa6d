-- Purpose: Mode mix (face-to-face, telephone, video/online, home visit) per month, for a stacked chart.
-- Grain: one row per month and appointment mode.
-- Parameters: $wards (VARCHAR[] or NULL), $age_bands (VARCHAR[] or NULL), $start (DATE), $end (DATE)
-- Tables: appointments
-- Columns: month, appt_mode, appointments, share
SELECT
    appointment_month AS month,
    appt_mode,
    sum(count_of_appointments) AS appointments,
    sum(count_of_appointments) / sum(sum(count_of_appointments)) OVER (PARTITION BY appointment_month) AS share
FROM appointments
WHERE appointment_month BETWEEN $start AND $end
  AND ($wards IS NULL OR list_contains($wards, ward_code))
  AND ($age_bands IS NULL OR list_contains($age_bands, age_band))
GROUP BY appointment_month, appt_mode
ORDER BY month, appt_mode;
