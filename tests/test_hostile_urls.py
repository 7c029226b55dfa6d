"""Hostile links: whatever is in the URL, every page renders, bad values are ignored with a visible notice,
and nothing from the URL reaches DuckDB except as a bound parameter.

The link contract: `ward` is repeated ONS ward codes, `from`/`to` are months YYYY-MM within the data, and the
Budget page takes `fy` (e.g. 2020/21) and `month` (financial month 1 to 12). Anything else is ignored, and a
notice names the parameter.
"""

from __future__ import annotations

import string
from datetime import date

import fixtures
import pytest
from helpers_reliability import PAGES, dashboard  # noqa: F401 - `dashboard` is a fixture
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onehalton import db as db_module
from onehalton.db import Database, QueryError
from onehalton.filters import KNOWN_PARAMS

WARDS = (fixtures.WARD_A, fixtures.WARD_B)
MONTHS = tuple(f"{m:%Y-%m}" for m in fixtures.MONTHS)  # the fixture manifest covers Apr 2023 to Sep 2024
YEARS = ("2020/21",)
FINANCIAL_MONTHS = tuple(str(m) for m in range(1, 13))
VALID = {"ward": WARDS, "from": MONTHS, "to": MONTHS, "fy": YEARS, "month": FINANCIAL_MONTHS}
BUDGET_ONLY = ("fy", "month")
# Streamlit keeps these for itself and never shows them to the app: a notice cannot be asked of them.
STREAMLIT_RESERVED = ("embed", "embed_options")

SQL_MARKER = "OR 1=1"
HOSTILE_VALUES = (
    "",
    " ",
    f"E05013186' {SQL_MARKER} --",
    "'; DROP TABLE appointments; --",
    "$wards",
    "?",
    "%00",
    "\x00",
    f"{fixtures.WARD_A}\n",
    f" {fixtures.WARD_A}",
    fixtures.WARD_A.lower(),
    "NULL",
    "[]",
    f"['{fixtures.WARD_A}']",
    "x') UNION SELECT * FROM read_csv('/etc/passwd') --",
    "1999/00",
    "2020/21 ",
    "13",
    "-1",
    "0",
    "5.0",
    "1e3",
    "2999-01",
    "1999-12",
    "2023-00",
    "2023-4",
    "2024-09-01",
    "E" * 10_000,
    "9" * 10_000,
    "<script>alert(1)</script>",
    "**bold** `code` [link](http://example.com)",
    "\u202eevil",
    "😀",
)

LINKS = {
    "unknown-ward-code": {"ward": ["E05999999"]},
    "sql-in-ward": {"ward": [f"E05013186' {SQL_MARKER} --"]},
    "sql-union-in-ward": {"ward": ["x') UNION SELECT * FROM read_csv('/etc/passwd') --", fixtures.WARD_B]},
    "ten-thousand-character-ward": {"ward": ["E" * 10_000]},
    "repeated-and-empty-wards": {"ward": ["", fixtures.WARD_A, fixtures.WARD_A, "E05999999"]},
    "unknown-parameters": {"utm_source": ["newsletter"], "x" * 300: ["y"], "WARD": [fixtures.WARD_A]},
    "months-out-of-range": {"from": ["2999-01"], "to": ["1999-12"]},
    "months-malformed": {"from": ["2023-4"], "to": ["2024-09-01'; DROP TABLE appointments; --"]},
    "months-repeated-and-empty": {"from": ["", "2023-05", "2024-01"], "to": [""]},
    "budget-year-and-month-out-of-range": {"fy": ["1999/00"], "month": ["13"]},
    "budget-month-negative": {"month": ["-1"]},
    "budget-malformed": {"fy": [f"2020/21' {SQL_MARKER} --"], "month": ["5.0", "0", "1e3", ""]},
    "budget-ten-thousand-characters": {"fy": ["9" * 10_000], "month": ["1" * 10_000]},
}


def rejected(link: dict[str, list[str]], param: str) -> list[str]:
    if param == "?":
        return [k for k in link if k not in KNOWN_PARAMS and link[k]]
    return [v for v in link.get(param, []) if v not in VALID[param]]


def notices_for(at, param: str) -> list[str]:
    return [w.value for w in at.warning if f"(`{param}`)" in w.value]


def check_link_handled(at, link: dict[str, list[str]], page: str) -> None:
    """No exception; every rejected value named in a notice; the filters hold only valid values."""
    assert not at.exception, f"{page}: {[e.value for e in at.exception]}"
    assert len(at.title), f"{page} drew nothing"
    params = ["?", "ward", "from", "to"] + (list(BUDGET_ONLY) if page == "budget" else [])
    for param in params:
        bad = rejected(link, param)
        if bad:
            shown = notices_for(at, param)
            assert shown, f"{page}: no notice for rejected `{param}` values {[b[:40] for b in bad]}"
            for value in bad:
                # Echoed back short and printable: the first characters, with anything unprintable as '?'.
                head = "".join(ch if ch.isprintable() else "?" for ch in value)[:20].replace("`", "'")
                assert any(head in n for n in shown) or len(bad) > 5, f"{page}: {value[:40]!r} not echoed: {shown}"
            assert all(len(n) < 1_000 for n in shown), "a notice echoes a huge value in full"
    filters = at.session_state["_filters"]
    assert set(filters.wards) <= set(WARDS)
    assert filters.start <= filters.end
    assert f"{filters.start:%Y-%m}" in MONTHS and f"{filters.end:%Y-%m}" in MONTHS
    if page == "budget":
        assert at.selectbox(key="fy").value in YEARS
        assert at.selectbox(key="month").value in FINANCIAL_MONTHS
        assert "Annual budget" in {m.label for m in at.metric}, "the budget statement is not shown"


# ----------------------------------------------------------------------------------------------
# Recording what reaches DuckDB


class Recorder:
    """Stands in for a DuckDB connection or cursor and records every statement and its parameters."""

    def __init__(self, real, log: list, via: str):
        self._real, self._log, self._via = real, log, via

    def execute(self, query, parameters=None, *args, **kwargs):
        self._log.append((self._via, str(query), parameters))
        if parameters is None:
            return self._real.execute(query, *args, **kwargs)
        return self._real.execute(query, parameters, *args, **kwargs)

    def sql(self, query, *args, **kwargs):
        self._log.append((self._via, str(query), kwargs.get("params", args[1] if len(args) > 1 else None)))
        return self._real.sql(query, *args, **kwargs)

    def query(self, query, *args, **kwargs):
        self._log.append((self._via, str(query), kwargs.get("params")))
        return self._real.query(query, *args, **kwargs)

    def cursor(self):
        return Recorder(self._real.cursor(), self._log, "cursor")

    def __getattr__(self, name):
        return getattr(self._real, name)


@pytest.fixture
def sql_log(monkeypatch) -> list[tuple[str, str, object]]:
    """(via, sql, parameters) for every statement run on connections `onehalton.db` opens during the test."""
    log: list = []
    real_connect = db_module.duckdb.connect

    def connect(*args, **kwargs):
        return Recorder(real_connect(*args, **kwargs), log, "connection")

    monkeypatch.setattr(db_module.duckdb, "connect", connect)
    return log


def flatten(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in flatten(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in flatten(v)]
    return [str(value)]


def check_only_query_files_ran(log, specs) -> None:
    """Every statement a page caused is a query file, verbatim: URL values cannot change SQL text."""
    query_texts = {spec.sql for spec in specs.values()}
    page_statements = [(sql, params) for via, sql, params in log if via == "cursor"]
    assert page_statements, "no query ran through a cursor: is the recorder still wired to onehalton.db?"
    for sql, _ in page_statements:
        assert sql in query_texts, f"a statement that is not a query file ran: {sql[:200]}"


# ----------------------------------------------------------------------------------------------
# Named hostile links


@pytest.mark.parametrize("link", LINKS.values(), ids=LINKS.keys())
def test_hostile_link_is_ignored_with_a_notice(link, fixture_dir, dashboard, sql_log):
    at = dashboard.open(fixture_dir, link)
    check_link_handled(at, link, "overview")
    # The page the link is about: the Budget page for fy/month, else one page in turn.
    page = "budget" if set(link) & set(BUDGET_ONLY) else PAGES[list(LINKS.values()).index(link) % len(PAGES)]
    dashboard.set_link(at, link)
    dashboard.show(at, page)
    check_link_handled(at, link, page)
    # Rejected values reach DuckDB in no form: not in SQL text, not even as parameters. (Values of 3
    # characters or fewer, like "13" or "-1", occur in SQL text for their own reasons.)
    hostile = [v for param in VALID for v in rejected(link, param) if len(v) > 3]
    for _, sql, params in sql_log:
        assert not [v for v in hostile if v in sql], "a link value is in SQL text"
        assert not [v for v in hostile if v in flatten(params)], "a rejected link value reached DuckDB"
    check_only_query_files_ran(sql_log, db_module.query_specs())


def test_every_page_survives_a_link_with_everything_hostile_at_once(fixture_dir, dashboard, sql_log):
    link = {
        "ward": [f"E05013186' {SQL_MARKER} --", "E" * 10_000, "", fixtures.WARD_A, fixtures.WARD_A],
        "from": ["2999-01", "", "2023-05"],
        "to": ["1999-12"],
        "fy": ["1999/00", ""],
        "month": ["13", "-1", ""],
        "utm_campaign": ["x"],
        "<b>": ["1"],
    }
    at = dashboard.open(fixture_dir, link)
    check_link_handled(at, link, "overview")
    for page in PAGES:
        dashboard.set_link(at, link)
        dashboard.show(at, page)
        check_link_handled(at, link, page)
    assert not [sql for _, sql, _ in sql_log if SQL_MARKER in sql]
    check_only_query_files_ran(sql_log, db_module.query_specs())


def test_a_valid_link_is_applied(fixture_dir, dashboard):
    """The other side of the contract: codes and YYYY-MM months in the link set the filters, silently."""
    link = {"ward": [fixtures.WARD_B], "from": ["2024-01"], "to": ["2024-06"]}
    at = dashboard.open(fixture_dir, link)
    assert not at.exception and not notices_for(at, "ward") and not notices_for(at, "from")
    filters = at.session_state["_filters"]
    assert filters.wards == (fixtures.WARD_B,)
    assert (filters.start, filters.end) == (date(2024, 1, 1), date(2024, 6, 1))
    dashboard.show(at, "ward_profile")  # the selection survives a page switch
    assert not at.exception
    assert at.session_state["_filters"].wards == (fixtures.WARD_B,)
    assert dashboard.metrics(at).get("Residents") == "6,000"  # ward B: 400 + 1,100 + 3,500 + 600 + 300 + 100

    dashboard.set_link(at, {"fy": ["2020/21"], "month": ["3"]})
    dashboard.show(at, "budget")
    assert not at.exception and not notices_for(at, "fy") and not notices_for(at, "month")
    assert at.selectbox(key="fy").value == "2020/21"
    assert at.selectbox(key="month").value == "3"


# ----------------------------------------------------------------------------------------------
# Property-based: any link at all


hostile_text = st.one_of(st.sampled_from(HOSTILE_VALUES), st.text(max_size=40))
values_for = {
    "ward": st.lists(st.one_of(hostile_text, st.sampled_from(WARDS)), max_size=4),
    "from": st.lists(st.one_of(hostile_text, st.sampled_from(MONTHS)), max_size=3),
    "to": st.lists(st.one_of(hostile_text, st.sampled_from(MONTHS)), max_size=3),
    "fy": st.lists(st.one_of(hostile_text, st.sampled_from(YEARS)), max_size=3),
    "month": st.lists(st.one_of(hostile_text, st.sampled_from(FINANCIAL_MONTHS)), max_size=3),
}
unknown_names = st.text(string.ascii_letters + string.digits + "_-.[]<>'\"", min_size=1, max_size=30).filter(
    lambda k: k not in KNOWN_PARAMS and k not in STREAMLIT_RESERVED
)
links = st.tuples(
    st.fixed_dictionaries({}, optional=values_for),
    st.dictionaries(unknown_names, st.lists(hostile_text, min_size=1, max_size=2), max_size=2),
).map(lambda parts: {**parts[0], **parts[1]})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(link=links, page=st.sampled_from(PAGES))
def test_any_link_renders_every_page_with_notices(link, page, fixture_dir, dashboard):
    at = dashboard.open(fixture_dir, link, fresh=False)  # the folder never changes: keep the validated database
    check_link_handled(at, link, "overview")
    dashboard.set_link(at, link)
    dashboard.show(at, page)
    check_link_handled(at, link, page)


# ----------------------------------------------------------------------------------------------
# Values reach DuckDB only as bound parameters


PARAMETER_VALUES = {
    "wards": [f"E05013186' {SQL_MARKER} --", fixtures.WARD_A],
    "age_bands": [f"18-64') {SQL_MARKER} --", "18-64"],
    "start": date(2023, 4, 1),
    "end": date(2024, 9, 1),
    "domain": f"Starting Well' {SQL_MARKER} --",
    "fy": f"2020/21' {SQL_MARKER} --",
    "month": 5,
    "indicator_id": 90323,
    "periods": 3,
}


def test_query_parameters_are_bound_never_spliced(fixture_dir, sql_log):
    """Every query file, run with hostile strings in every text parameter: the SQL DuckDB receives is the
    file verbatim, the hostile strings travel only as parameters, and they match nothing."""
    database = Database(fixture_dir)
    assert sql_log, "the recorder saw nothing: it is not wired to onehalton.db's connection"
    for name, spec in database.specs.items():
        params = {p: PARAMETER_VALUES[p] for p in spec.params}  # a KeyError here means: add the new parameter
        del sql_log[:]
        frame = database.run(name, params)
        statements = [(sql, p) for via, sql, p in sql_log if via == "cursor"]
        assert statements, name
        sql, bound = statements[-1]
        assert sql == spec.sql, f"{name}: the SQL run is not the query file"
        assert SQL_MARKER not in sql
        if any(isinstance(v, (str, list)) for v in params.values()):
            assert any(SQL_MARKER in s for s in flatten(bound)), f"{name}: hostile value not bound"
        if name in ("indicator_trends", "indicator_wards_latest"):
            assert frame.empty, f"{name}: a hostile string matched rows: {frame.head()}"
        if name == "budget_statement":  # only an empty grand total
            assert (frame["row_type"] != "line").all() and frame["budget"].isna().all(), frame
        if name == "budget_spend_by_month":  # a scaffold of months, with nothing spent against no budget
            assert (frame["actuals"] == 0).all() and frame["budget"].isna().all(), frame


def test_only_listed_queries_with_their_own_parameters_run(fixture_dir):
    database = Database(fixture_dir)
    with pytest.raises(QueryError, match="Unknown query"):
        database.run("wards; DROP TABLE wards", {})
    with pytest.raises(QueryError, match="Unknown query"):
        database.run("../../etc/passwd", {})
    with pytest.raises(QueryError, match="takes parameters"):
        database.run("wards", {"extra": "1 OR 1=1"})
    with pytest.raises(QueryError, match="takes parameters"):
        database.run("budget_statement", {"fy": "2020/21"})
