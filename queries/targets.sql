-- Purpose: Targets and standards for the KPIs, each with the date it applies from.
-- Grain: one row per KPI and effective date.
-- Parameters: none
-- Tables: targets
-- Columns: kpi_code, label, target_value, effective_from, source
SELECT kpi_code, label, target_value, effective_from, source
FROM targets
ORDER BY kpi_code, effective_from;
