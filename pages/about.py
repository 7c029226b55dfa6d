"""About the data: where each extract comes from, how fresh it is, whether it passed its contract, and what the
measures mean."""

import pandas as pd
import streamlit as st

from onehalton import config, contract, db, frame, measures, protection, tables

frame.page(
    "About the data",
    "Sources, freshness, validation and definitions for every extract the dashboard reads.",
    contract.EXTRACTS,
)
database = db.database()
st.caption(
    f"Data folder: `{database.data_dir}`"
    + (
        " (the generated demo data)"
        if database.data_dir == config.DEMO_DATA_DIR
        else f" (from `{config.DATA_DIR_ENV}`)"
    )
)

report = database.folder_report()
if report:
    st.subheader("What is wrong with the data folder")
    st.markdown("\n".join(f"- `{file}`: {problem}" for file, problem in report))

st.subheader("Extracts and reference tables")
rows = []
for table in contract.TABLES:
    status = database.statuses[table.name]
    entry = database.manifest.get(table.name, {})
    rows.append(
        {
            "table": table.name,
            "title": table.title,
            "role": table.role,
            "synthetic": "yes" if database.synthetic(table.name) else "no",
            "source": entry.get("source", "not stated"),
            "period": f"{entry.get('period_start', '?')} to {entry.get('period_end', '?')}",
            "as_of": entry.get("as_of", "not stated"),
            "validation": status.state,
            "rows_accepted": status.rows_accepted if status.available else 0,
            "rows_excluded": status.rows_excluded,
            "files": ", ".join(status.files) or "none",
        }
    )
tables.show(tables.plain(pd.DataFrame(rows)), key="about-extracts")

# Provenance of tables imported from published files (onehalton.importers writes `files` into the manifest).
imported_files = [
    {
        "table": name,
        "file": f.get("name"),
        "sha256": f.get("sha256"),
        "period": f"{f.get('period_start', '?')} to {f.get('period_end', '?')}",
        "imported_at": f.get("imported_at"),
        "rows_accepted": f.get("rows_accepted"),
        "rows_excluded": f.get("rows_excluded"),
        "excluded": "; ".join(f"{n:,} {why}" for why, n in (f.get("excluded") or {}).items()),
    }
    for name, entry in database.manifest.items()
    if isinstance(entry.get("files"), list)
    for f in entry["files"]
    if isinstance(f, dict)
]
if imported_files:
    st.subheader("Imported source files")
    st.dataframe(pd.DataFrame(imported_files), hide_index=True)

st.subheader("Validation")
for table in contract.TABLES:
    status = database.statuses[table.name]
    icon = {
        "valid": ":material/check_circle:",
        "rows excluded": ":material/rule:",
        "files left out": ":material/rule:",
        "unavailable": ":material/block:",
    }[status.state]
    with st.expander(f"{table.title} (`{table.name}`): {status.state}", icon=icon, expanded=status.state != "valid"):
        st.markdown(status.summary())
        notes = database.manifest.get(table.name, {}).get("notes")
        if notes:
            st.caption(str(notes))
        for problem in status.problems[:10]:
            st.markdown("- " + problem.describe(table.name))
            if problem.examples:
                st.dataframe(pd.DataFrame(problem.examples), hide_index=True)

st.subheader("Definitions")
st.caption(
    "Every measure as the registry defines it (onehalton/measures.py): the same label, format, polarity, "
    "confidence-interval method and target code that every tile, table, chart and CSV uses."
)
tables.show(
    tables.plain(
        pd.DataFrame(
            [
                {
                    "measure": m.label,
                    "column": m.name,
                    "definition": m.definition,
                    "shown_as": m.kind,
                    "polarity": m.polarity,
                    "ci": {"wilson": "Wilson score", "byar": "Byar's method", "row": "the indicator's own method"}.get(
                        m.ci_method or "", "–"
                    ),
                    "spc": "yes" if m.spc else (m.spc_note or "no"),
                    "target_code": m.target_code or "–",
                }
                for m in measures.REGISTRY.values()
            ]
        )
    ),
    key="about-measures",
)
st.markdown(
    f"""
- **Budget**: YTD actuals include prior-year invoices; M12 total = YTD actuals + accruals;
  variance = budget − M12 total.
  Money is exact in pence and rounded to the pound half up, as the published statement prints it.
- **Confidence intervals**: 95%, Wilson score for proportions, Byar's method for rates and counts.
- **Benchmarking**: *significantly better/worse* when the 95% interval lies wholly on one side of the comparator,
  else *similar*; indicators with no judgement of polarity say *higher/lower*.
- **Making Data Count (SPC)**: XmR charts, limits at mean ± 2.66 × mean moving range; special cause for a point
  beyond the limits, 7 in a row on one side of the mean, 7 rising or falling, or 2 of 3 beyond two-sigma on one side.
  At least 15 points are needed.
- **Small numbers**: ward- and practice-level counts from 1 to {config.suppression_threshold()} are hidden,
  with secondary suppression so they cannot be worked out from a total; every other ward- and practice-level count
  is rounded to the nearest {protection.ROUND_TO}, and rates are worked out from the rounded counts, so no hidden
  value comes back by subtracting one view from another. Halton-wide figures are published exactly.
"""
)

st.subheader("The data contract")
st.caption(
    "The same contract is in `docs/data-contract.md`. Point the dashboard at real extracts by setting "
    f"`{config.DATA_DIR_ENV}` to a folder that follows it."
)
for table in contract.TABLES:
    with st.expander(f"{table.title} (`{table.name}`)"):
        st.markdown(f"Grain: {table.grain}. Key: {', '.join(table.key)}.")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "column": c.name,
                        "kind": c.kind,
                        "description": c.description,
                        "nullable": c.nullable,
                        "allowed": ", ".join(c.allowed or ()),
                        "references": c.references or "",
                    }
                    for c in table.columns
                ]
            ),
            hide_index=True,
        )

st.subheader("Queries")
st.dataframe(
    pd.DataFrame(
        [
            {"query": s.name, "purpose": s.purpose, "grain": s.grain, "tables": ", ".join(s.tables)}
            for s in database.specs.values()
        ]
    ),
    hide_index=True,
)

st.subheader("Summaries built at load")
st.caption(
    "Built once from the validated extracts when the data loads, so the appointment queries read a few "
    "thousand summed rows rather than every row of the extract. Rows excluded from an extract are excluded "
    "from its summaries too."
)
built = database.summary_statuses
st.dataframe(
    pd.DataFrame(
        [
            {
                "summary": s.name,
                "purpose": s.purpose,
                "grain": s.grain,
                "built from": ", ".join(s.tables),
                "rows": built[s.name].rows_read if built[s.name].available else None,
                "state": "built" if built[s.name].available else built[s.name].reason,
            }
            for s in database.summaries.values()
        ]
    ),
    hide_index=True,
)
