-- Purpose: Appointments summed once, when the data loads, to the grain the practice and PCN views need
--          (practice by ward of residence, so they can still be filtered by ward). Built from the validated
--          `appointments` view, so excluded rows stay excluded.
-- Grain: one row per month, practice and ward of residence.
-- Parameters: none
-- Tables: appointments
-- Columns: appointment_month, gp_code, ward_code, appointments, attended, dna, same_day, known_lead_time, face_to_face, known_mode
SELECT
    appointment_month,
    gp_code,
    ward_code,
    CAST(sum(count_of_appointments) AS BIGINT) AS appointments,
    CAST(coalesce(sum(count_of_appointments) FILTER (WHERE appt_status = 'Attended'), 0) AS BIGINT) AS attended,
    CAST(coalesce(sum(count_of_appointments) FILTER (WHERE appt_status = 'DNA'), 0) AS BIGINT) AS dna,
    CAST(coalesce(sum(count_of_appointments) FILTER (WHERE time_between_book_and_appt = 'Same Day'), 0) AS BIGINT) AS same_day,
    CAST(coalesce(sum(count_of_appointments) FILTER (WHERE time_between_book_and_appt NOT LIKE 'Unknown%'), 0) AS BIGINT) AS known_lead_time,
    CAST(coalesce(sum(count_of_appointments) FILTER (WHERE appt_mode = 'Face-to-Face'), 0) AS BIGINT) AS face_to_face,
    CAST(coalesce(sum(count_of_appointments) FILTER (WHERE appt_mode <> 'Unknown'), 0) AS BIGINT) AS known_mode
FROM appointments
GROUP BY appointment_month, gp_code, ward_code;
