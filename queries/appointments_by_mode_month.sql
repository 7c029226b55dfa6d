-- Purpose: Mode mix (face-to-face, telephone, video/online, home visit) per month, for a stacked chart.
-- Grain: one row per month and appointment mode (modes with no appointments in a month are left out).
-- Parameters: $wards (VARCHAR[] or NULL), $age_bands (VARCHAR[] or NULL), $start (DATE), $end (DATE)
-- Tables: appointments_ward_month
-- Columns: month, appt_mode, appointments, month_total, share
-- Measures: appointments, share
-- Suppress: when $wards; groups: month
WITH monthly AS (
    -- The summary holds one column per mode; the names here are the national APPT_MODE values.
    SELECT
        appointment_month AS month,
        sum(face_to_face) AS "Face-to-Face",
        sum(home_visit) AS "Home Visit",
        sum(telephone) AS "Telephone",
        sum(unknown_mode) AS "Unknown",
        sum(video_online) AS "Video Conference/Online"
    FROM appointments_ward_month
    WHERE appointment_month BETWEEN $start AND $end
      AND ($wards IS NULL OR list_contains($wards, ward_code))
      AND ($age_bands IS NULL OR list_contains($age_bands, age_band))
    GROUP BY appointment_month
),
by_mode AS (
    UNPIVOT monthly
    ON "Face-to-Face", "Home Visit", "Telephone", "Unknown", "Video Conference/Online"
    INTO NAME appt_mode VALUE appointments
)
SELECT
    month,
    appt_mode,
    appointments,
    sum(appointments) OVER (PARTITION BY month) AS month_total,
    appointments / sum(appointments) OVER (PARTITION BY month) AS share
FROM by_mode
WHERE appointments > 0
ORDER BY month, appt_mode;
