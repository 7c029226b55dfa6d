-- Purpose: Appointments summed once, when the data loads, to the grain the ward, age-band and month views
--          need: the queries that read it scan about a million rows at 100x the demo volume, not 120 million.
--          Built from the validated `appointments` view, so excluded rows stay excluded.
-- Grain: one row per month, ward of residence and age band.
-- Parameters: none
-- Tables: appointments
-- Columns: appointment_month, ward_code, age_band, appointments, attended, dna, same_day, within_two_weeks, known_lead_time, face_to_face, telephone, home_visit, video_online, unknown_mode
SELECT
    appointment_month,
    ward_code,
    age_band,
    CAST(sum(count_of_appointments) AS BIGINT) AS appointments,
    CAST(coalesce(sum(count_of_appointments) FILTER (WHERE appt_status = 'Attended'), 0) AS BIGINT) AS attended,
    CAST(coalesce(sum(count_of_appointments) FILTER (WHERE appt_status = 'DNA'), 0) AS BIGINT) AS dna,
    CAST(coalesce(sum(count_of_appointments) FILTER (WHERE time_between_book_and_appt = 'Same Day'), 0) AS BIGINT) AS same_day,
    CAST(coalesce(sum(count_of_appointments) FILTER (WHERE time_between_book_and_appt IN ('Same Day', '1 Day', '2 to 7 Days', '8  to 14 Days')), 0) AS BIGINT) AS within_two_weeks,
    CAST(coalesce(sum(count_of_appointments) FILTER (WHERE time_between_book_and_appt NOT LIKE 'Unknown%'), 0) AS BIGINT) AS known_lead_time,
    CAST(coalesce(sum(count_of_appointments) FILTER (WHERE appt_mode = 'Face-to-Face'), 0) AS BIGINT) AS face_to_face,
    CAST(coalesce(sum(count_of_appointments) FILTER (WHERE appt_mode = 'Telephone'), 0) AS BIGINT) AS telephone,
    CAST(coalesce(sum(count_of_appointments) FILTER (WHERE appt_mode = 'Home Visit'), 0) AS BIGINT) AS home_visit,
    CAST(coalesce(sum(count_of_appointments) FILTER (WHERE appt_mode = 'Video Conference/Online'), 0) AS BIGINT) AS video_online,
    CAST(coalesce(sum(count_of_appointments) FILTER (WHERE appt_mode = 'Unknown'), 0) AS BIGINT) AS unknown_mode
FROM appointments
GROUP BY appointment_month, ward_code, age_band;
