-- Purpose: Whether the appointments extract records the patient's ward of residence and age band. The national
--          practice-level file records neither, so pages show it at practice and PCN level and say the ward filter
--          does not apply, rather than filtering it down to nothing.
-- Grain: one row.
-- Parameters: none
-- Tables: appointments_ward_month
-- Columns: appointments, with_ward, with_age_band
SELECT
    coalesce(sum(appointments), 0) AS appointments,
    coalesce(sum(appointments) FILTER (WHERE ward_code IS NOT NULL), 0) AS with_ward,
    coalesce(sum(appointments) FILTER (WHERE age_band IS NOT NULL), 0) AS with_age_band
FROM appointments_ward_month;
