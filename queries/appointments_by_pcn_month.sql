-- Purpose: Appointments per month in each primary care network, with the rate per 1,000 registered patients.
-- Grain: one row per month and PCN.
-- Parameters: $wards (VARCHAR[] or NULL), $start (DATE), $end (DATE)
-- Tables: appointments_practice_month, practices, pcns
-- Columns: month, pcn_name, appointments, list_size, per_1000_registered
-- Measures: appointments, per_1000_registered
-- Suppress: when $wards; groups: month
WITH lists AS (
    SELECT pcn_code, sum(list_size) AS list_size FROM practices GROUP BY pcn_code
)
SELECT
    a.appointment_month AS month,
    n.pcn_name,
    sum(a.appointments) AS appointments,
    any_value(l.list_size) AS list_size,
    sum(a.appointments) * 1000.0 / nullif(any_value(l.list_size), 0) AS per_1000_registered
FROM appointments_practice_month AS a
JOIN practices AS p USING (gp_code)
JOIN pcns AS n ON n.pcn_code = p.pcn_code
JOIN lists AS l ON l.pcn_code = p.pcn_code
WHERE a.appointment_month BETWEEN $start AND $end
  AND ($wards IS NULL OR list_contains($wards, a.ward_code))
GROUP BY a.appointment_month, n.pcn_name
ORDER BY month, n.pcn_name;
