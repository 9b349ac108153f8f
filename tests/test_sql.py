"""SQL destructive facts: kinds, exact positions, WHERE classes, dialects, robustness."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from codeguard.analyze.sql import MAX_PARSE_CHARS
from codeguard.analyze.sql import SqlFact
from codeguard.analyze.sql import looks_like_sql
from codeguard.analyze.sql import sql_facts

# Tests build SQL text as data to read, never to run: S608 (SQL injection) does not apply.


def brief(text: str, dialect: str | None = None) -> list[tuple[object, ...]]:
    """(kind, object, names, if_exists, where) of each fact: the reading, without positions."""
    return [(f.kind, f.object, f.names, f.if_exists, f.where) for f in sql_facts(text, dialect)]


def span(fact: SqlFact) -> tuple[int, int, int, int]:
    return fact.line, fact.column, fact.end_line, fact.end_column


def offset(text: str, line: int, column: int) -> int:
    """1-based (line, column) -> offset into text; lines split on \\n only."""
    lines = text.split("\n")
    assert 1 <= line <= len(lines)
    assert 1 <= column <= len(lines[line - 1]) + 1
    return sum(len(part) + 1 for part in lines[: line - 1]) + column - 1


# --- every kind, with exact positions ------------------------------------------------------

MIGRATION = """\
-- 042: clean up; 'quotes' in comments do not open strings
/* a block comment; with a semicolon and DROP TABLE not_me */
DROP TABLE IF EXISTS public.users;  -- trailing comment
SELECT 1;
  truncate table a,
    b;
DELETE FROM logs; UPDATE accounts
SET balance = 0
WHERE 1 = 1 -- everything
;
ALTER TABLE orders DROP COLUMN note;
INSERT INTO t VALUES ('x; DROP TABLE inside_a_string');
"""


def test_each_kind_with_exact_positions() -> None:
    assert sql_facts(MIGRATION) == [
        SqlFact(
            "drop", "table", ("public.users",), True, "", 3, 1, 3, 34,
            "DROP TABLE IF EXISTS public.users",
        ),
        SqlFact("truncate", "", ("a", "b"), False, "", 5, 3, 6, 6, "truncate table a, b"),
        SqlFact("delete", "", ("logs",), False, "none", 7, 1, 7, 17, "DELETE FROM logs"),
        SqlFact(
            "update", "", ("accounts",), False, "tautology", 7, 19, 9, 12,
            "UPDATE accounts SET balance = 0 WHERE 1 = 1",
        ),
        SqlFact(
            "drop-column", "", ("orders.note",), False, "", 11, 1, 11, 36,
            "ALTER TABLE orders DROP COLUMN note",
        ),
    ]  # fmt: skip


def test_positions_count_code_points_and_ignore_crlf() -> None:
    text = "SELECT 'é';\r\n  DROP TABLE ü;\r\n"
    [fact] = sql_facts(text)
    assert span(fact) == (2, 3, 2, 15)
    assert fact.names == ("ü",)


def test_statement_text_is_collapsed_and_capped() -> None:
    columns = ",\n    ".join(f"column_number_{i} = 0" for i in range(40))
    [fact] = sql_facts(f"UPDATE t\n  SET {columns}")
    assert fact.statement.startswith("UPDATE t SET column_number_0 = 0, column_number_1 = 0")
    assert len(fact.statement) == 200
    assert fact.statement.endswith("…")


# --- DROP ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "dialect", "expected"),
    [
        ("DROP TABLE users", None, ("drop", "table", ("users",), False, "")),
        ("DROP TABLE IF EXISTS a, s.b", None, ("drop", "table", ("a", "s.b"), True, "")),
        ("drop table if exists foo cascade", None, ("drop", "table", ("foo",), True, "")),
        ("DROP DATABASE shop", "mysql", ("drop", "database", ("shop",), False, "")),
        ("DROP DATABASE IF EXISTS shop", None, ("drop", "database", ("shop",), True, "")),
        ("DROP SCHEMA analytics CASCADE", None, ("drop", "schema", ("analytics",), False, "")),
        ("DROP TABLE users", "sqlite", ("drop", "table", ("users",), False, "")),
        ("DROP TABLE dbo.Users", "tsql", ("drop", "table", ("dbo.Users",), False, "")),
        ("DROP TABLE IF EXISTS #tmp", "tsql", ("drop", "table", ("#tmp",), True, "")),
        ("DROP VIEW IF EXISTS v1, v2", None, ("drop", "view", ("v1", "v2"), True, "")),
        ("DROP MATERIALIZED VIEW mv", None, ("drop", "materialized view", ("mv",), False, "")),
        ("DROP INDEX CONCURRENTLY IF EXISTS ix", None, ("drop", "index", ("ix",), True, "")),
        ("DROP SEQUENCE s", "postgres", ("drop", "sequence", ("s",), False, "")),
        ("DROP FUNCTION IF EXISTS f(int, text)", None, ("drop", "function", ("f",), True, "")),
        # sqlglot reads these only as an opaque Command; the DROP is still read.
        ("DROP USER bob, alice", None, ("drop", "user", ("bob", "alice"), False, "")),
        (
            "DROP EXTENSION IF EXISTS hstore CASCADE",
            None,
            ("drop", "extension", ("hstore",), True, ""),
        ),
    ],
)
def test_drop(sql: str, dialect: str | None, expected: tuple[object, ...]) -> None:
    assert brief(sql, dialect) == [expected]


@pytest.mark.parametrize(
    ("sql", "dialect", "names"),
    [
        ('DROP TABLE "Users", "my schema"."My Table"', None, ("Users", "my schema.My Table")),
        ("DROP TABLE `shop`.`order items`", None, ("shop.order items",)),
        ("DROP TABLE [dbo].[Order Items]", None, ("dbo.Order Items",)),
        ("DROP TABLE `proj.ds.t`", "bigquery", ("proj.ds.t",)),
    ],
)
def test_quoted_identifiers_are_named_without_quotes(
    sql: str, dialect: str | None, names: tuple[str, ...]
) -> None:
    [fact] = sql_facts(sql, dialect)
    assert (fact.kind, fact.names) == ("drop", names)


# --- TRUNCATE, ALTER ... DROP COLUMN ------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "dialect", "expected"),
    [
        ("TRUNCATE t", None, ("truncate", "", ("t",), False, "")),
        ("TRUNCATE TABLE a, b RESTART IDENTITY", None, ("truncate", "", ("a", "b"), False, "")),
        ("TRUNCATE TABLE IF EXISTS t", "clickhouse", ("truncate", "", ("t",), True, "")),
        ("ALTER TABLE s.t DROP COLUMN c", None, ("drop-column", "", ("s.t.c",), False, "")),
        ("ALTER TABLE t DROP c", "mysql", ("drop-column", "", ("t.c",), False, "")),
        ("ALTER TABLE t DROP COLUMN a, b", "tsql", ("drop-column", "", ("t.a", "t.b"), False, "")),
        (
            "ALTER TABLE t DROP COLUMN IF EXISTS a, DROP COLUMN IF EXISTS b",
            None,
            ("drop-column", "", ("t.a", "t.b"), True, ""),
        ),
        (
            "ALTER TABLE t DROP COLUMN a, ADD COLUMN b INT",
            "mysql",
            ("drop-column", "", ("t.a",), False, ""),
        ),
    ],
)
def test_truncate_and_drop_column(
    sql: str, dialect: str | None, expected: tuple[object, ...]
) -> None:
    assert brief(sql, dialect) == [expected]


# --- DELETE / UPDATE and their WHERE --------------------------------------------------------


@pytest.mark.parametrize(
    "where",
    [
        "1=1",
        "1 = 1",
        "TRUE",
        "true",
        "'a'='a'",
        "x = x",
        "1",
        "NOT FALSE",
        "NOT 0",
        "(1 = 1)",
        "2 > 1",
        "id = 3 OR 1 = 1",
        "1 = 0 OR x = x",
        "name LIKE '%'",
    ],
)
def test_tautologies(where: str) -> None:
    assert brief(f"DELETE FROM t WHERE {where}") == [("delete", "", ("t",), False, "tautology")]
    assert brief(f"UPDATE t SET a = 1 WHERE {where}") == [
        ("update", "", ("t",), False, "tautology")
    ]


@pytest.mark.parametrize(
    "where",
    [
        "id = 1",
        "id = 3 AND 1 = 1",
        "x = y",
        "0",
        "1 = 0",
        "NOT TRUE",
        "name LIKE 'a%'",
        "created_at < now() - INTERVAL '30 days'",
        "id IN (SELECT id FROM dead)",
        "id = %s",
        "id = %(id)s",
        "id = ?",
        "id = :id",
        "id = $1",
    ],
)
def test_real_conditions(where: str) -> None:
    assert brief(f"DELETE FROM t WHERE {where}") == [("delete", "", ("t",), False, "present")]


@pytest.mark.parametrize(
    ("sql", "dialect", "expected"),
    [
        ("DELETE FROM t", None, ("delete", "", ("t",), False, "none")),
        ("delete from t", None, ("delete", "", ("t",), False, "none")),
        ("UPDATE t SET a = 1", None, ("update", "", ("t",), False, "none")),
        (
            "DELETE FROM t USING u WHERE t.id = u.id",
            "postgres",
            ("delete", "", ("t",), False, "present"),
        ),
        ("DELETE FROM t USING u", "postgres", ("delete", "", ("t",), False, "none")),
        ("DELETE t FROM t JOIN u ON t.a = u.a", "mysql", ("delete", "", ("t",), False, "none")),
        (
            "DELETE t1, t2 FROM t1 JOIN t2 ON t1.id = t2.id WHERE 1 = 1",
            "mysql",
            ("delete", "", ("t1", "t2"), False, "tautology"),
        ),
        (
            "UPDATE t SET a = 1 FROM u WHERE 1 = 1",
            "postgres",
            ("update", "", ("t",), False, "tautology"),
        ),
        (
            "DELETE FROM `proj.ds.t` WHERE true",
            "bigquery",
            ("delete", "", ("proj.ds.t",), False, "tautology"),
        ),
        (
            "WITH old AS (SELECT id FROM t WHERE age > 9) DELETE FROM t WHERE id IN (SELECT id FROM old)",
            None,
            ("delete", "", ("t",), False, "present"),
        ),
        (
            "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
            "postgres",
            ("delete", "", ("t",), False, "none"),
        ),
    ],
)
def test_delete_and_update(sql: str, dialect: str | None, expected: tuple[object, ...]) -> None:
    assert brief(sql, dialect) == [expected]


# --- what is not destructive -----------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM users",
        "INSERT INTO t (a) VALUES (1)",
        "INSERT INTO logs VALUES ('drop table users')",
        "INSERT INTO logs VALUES ('it''s; DROP TABLE users; --')",
        "SELECT * FROM t WHERE note = 'DELETE FROM t'",
        "CREATE TABLE t (id INT, parent INT REFERENCES t(id) ON DELETE CASCADE)",
        "ALTER TABLE t ADD COLUMN c INT",
        "ALTER TABLE t DROP CONSTRAINT c_fk",
        "UPDATE t SET a = 1 WHERE id = 1",
        "UPDATE t SET a = 1 FROM u WHERE t.id = u.id",
        "GRANT DELETE ON t TO bob",
        "INSERT INTO t (id, a) VALUES (1, 2) ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a",
        "INSERT INTO t (id, a) VALUES (1, 2) ON DUPLICATE KEY UPDATE a = VALUES(a)",
        "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a",
        "SELECT * FROM t FOR UPDATE",
        "-- DROP TABLE users\nSELECT 1",
        "/* DROP TABLE users; */ SELECT 1",
        "SELECT $$DROP TABLE users$$",
        "",
        "  ;; \n",
    ],
)
def test_non_destructive(sql: str) -> None:
    assert sql_facts(sql) == []


# --- bodies of functions and blocks -------------------------------------------------------

FUNCTION = """\
CREATE OR REPLACE FUNCTION purge() RETURNS void AS $fn$
BEGIN
    DELETE FROM audit_log;
    IF true THEN DROP TABLE IF EXISTS staging; END IF;
END;
$fn$ LANGUAGE plpgsql;
SELECT $$DROP TABLE only_a_string$$;
"""


def test_dollar_quoted_function_body_is_reported() -> None:
    """Judgement: a DROP inside CREATE FUNCTION is reported (destructive code is being
    installed, and will run), at its own place inside the body. A dollar-quoted string
    outside a routine or DO block is only a value."""
    facts = sql_facts(FUNCTION)
    assert [(f.kind, f.names, f.where, f.if_exists) for f in facts] == [
        ("delete", ("audit_log",), "none", False),
        ("drop", ("staging",), "", True),
    ]
    assert [span(f) for f in facts] == [(3, 5, 3, 26), (4, 18, 4, 46)]


def test_do_block_and_sql_function_bodies() -> None:
    text = "DO $$ BEGIN TRUNCATE t; END $$;\nCREATE FUNCTION f() RETURNS void LANGUAGE sql AS $b$ DELETE FROM x $b$;"
    assert [(f.kind, f.names, span(f)) for f in sql_facts(text)] == [
        ("truncate", ("t",), (1, 13, 1, 23)),
        ("delete", ("x",), (2, 54, 2, 67)),
    ]


def test_procedure_body_with_mysql_delimiter() -> None:
    text = (
        "DELIMITER //\nCREATE PROCEDURE p() BEGIN DELETE FROM t; END//\nDELIMITER ;\nDROP TABLE y;"
    )
    assert [(f.kind, f.names, f.line) for f in sql_facts(text)] == [
        ("delete", ("t",), 2),
        ("drop", ("y",), 4),
    ]


# --- unparsed ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM users WHERE",
        "UPDATE users SET a = WHERE id = 1",
        "TRUNCATE",
        "DROP",
        "ALTER TABLE t DROP",
        "WITH x AS (SELECT 1) DELETE FROM",
    ],
)
def test_unreadable_destructive_statement_is_unparsed(sql: str) -> None:
    [fact] = sql_facts(sql)
    assert (fact.kind, fact.names, fact.statement) == ("unparsed", (), sql)
    assert span(fact) == (1, 1, 1, len(sql) + 1)


def test_unreadable_harmless_statement_is_nothing() -> None:
    assert sql_facts("SELECT FROM WHERE ((") == []
    assert sql_facts("this is not sql at all") == []


def test_statements_too_long_to_parse() -> None:
    values = ",".join(["1"] * (MAX_PARSE_CHARS // 2))
    assert brief(f"DELETE FROM t WHERE id IN ({values})") == [("unparsed", "", (), False, "")]
    assert sql_facts(f"SELECT * FROM t WHERE id IN ({values})") == []


# --- templates, client directives, escapes, dialects ---------------------------------------


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "DELETE FROM {{ ref('orders') }}",
            ("delete", "", ("{{ ref('orders') }}",), False, "none"),
        ),
        ("DELETE FROM t WHERE id = {{ id }}", ("delete", "", ("t",), False, "present")),
        ("{% if full %}TRUNCATE t{% endif %}", ("truncate", "", ("t",), False, "")),
        ("DELETE FROM {table} WHERE id = %(id)s", ("delete", "", ("{table}",), False, "present")),
        ("DROP TABLE ${schema}.users", ("drop", "table", ("${schema}.users",), False, "")),
    ],
)
def test_templates(sql: str, expected: tuple[object, ...]) -> None:
    assert brief(sql) == [expected]


def test_psql_meta_commands_go_and_hash_comments_separate_statements() -> None:
    text = "\\c shop\nDROP TABLE a\n\\q\nDELETE FROM b\nGO\n# mysql comment; DROP TABLE no\nTRUNCATE c\ngo 2\n"
    assert [(f.kind, f.names, span(f)) for f in sql_facts(text)] == [
        ("drop", ("a",), (2, 1, 2, 13)),
        ("delete", ("b",), (4, 1, 4, 14)),
        ("truncate", ("c",), (7, 1, 7, 11)),
    ]


def test_backslash_escapes_when_the_dialect_is_unknown() -> None:
    # mysql reads 'it\'s; ...' as one string; so does codeguard, since that reading parses.
    assert sql_facts("INSERT INTO t VALUES ('it\\'s; DROP TABLE x')") == []
    # postgres E'' strings always take backslash escapes
    assert brief("DELETE FROM t WHERE x = E'a\\'b; DROP TABLE z'") == [
        ("delete", "", ("t",), False, "present")
    ]
    # and where a backslash is an ordinary character, 'C:\' ends the string
    assert brief("INSERT INTO t VALUES ('C:\\'); DROP TABLE y", "postgres") == [
        ("drop", "table", ("y",), False, "")
    ]


def test_dialects_are_tried_in_turn_and_an_unknown_one_is_harmless() -> None:
    assert brief("DROP TABLE `x`") == [("drop", "table", ("x",), False, "")]  # mysql
    assert brief("DROP TABLE [x]") == [("drop", "table", ("x",), False, "")]  # tsql
    assert brief("DROP TABLE x", dialect="no-such-dialect") == [
        ("drop", "table", ("x",), False, "")
    ]


def test_importing_the_module_does_not_import_sqlglot() -> None:
    code = "import sys, codeguard.analyze.sql; print('sqlglot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- looks_like_sql ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "SELECT 1",
        "\n    select id from users where id = %s",
        "-- fetch\n/* all */ SELECT * FROM t",
        "INSERT INTO t VALUES (1)",
        "UPDATE users SET name = %s WHERE id = %s",
        "update t set a = 1",
        "DELETE FROM t",
        "delete t where id = 1",
        "DROP TABLE x",
        "drop table if exists x",
        "TRUNCATE users",
        "TRUNCATE TABLE a, b",
        "ALTER TABLE t ADD COLUMN c INT",
        "CREATE OR REPLACE VIEW v AS SELECT 1",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
        "REPLACE INTO t VALUES (1)",
        "GRANT SELECT ON t TO bob",
        "{% if x %}DELETE FROM {{ t }}",
        "{{ config(materialized='table') }}\nselect * from {{ ref('orders') }}",
        "(SELECT 1) UNION (SELECT 2)",
    ],
)
def test_looks_like_sql(text: str) -> None:
    assert looks_like_sql(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello world",
        "Delete the file?",
        "Update the docs",
        "Drop it",
        "Drop if needed",
        "Create a new file",
        "Truncate long names",
        "with open(path) as f:",
        "selection",
        "-- just a comment",
        "/usr/bin/drop",
    ],
)
def test_does_not_look_like_sql(text: str) -> None:
    assert not looks_like_sql(text)


# --- robustness ------------------------------------------------------------------------------

FRAGMENTS = [
    "DROP TABLE ", "DELETE FROM ", "UPDATE t SET a = 1", "TRUNCATE ", "ALTER TABLE t DROP COLUMN c",
    "WITH x AS (SELECT 1) ", "CREATE FUNCTION f() AS ", "DO ", "BEGIN ", " THEN ", "END",
    "x", "t", " WHERE 1=1", " WHERE id = 1", ";", "'", '"', "`", "[", "]", "$$", "$a$", "$1",
    "--", "/*", "*/", "\n", "\r\n", "GO\n", "\\c db\n", "DELIMITER //\n", "//", "#", "\\'", "E'",
    "{{ t }}", "{% if %}", "{{", "${v}", "{x}", "(", ")", "é", " ",
]  # fmt: skip


def assert_positions_within(text: str, facts: list[SqlFact]) -> None:
    for fact in facts:
        start = offset(text, fact.line, fact.column)
        end = offset(text, fact.end_line, fact.end_column)
        assert 0 <= start < end <= len(text)
        assert fact.statement[:100] == " ".join(text[start:end].split())[:100]


@settings(max_examples=150)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text: str) -> None:
    assert_positions_within(text, sql_facts(text))
    looks_like_sql(text)


@settings(max_examples=250)
@given(
    st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join),
    st.sampled_from([None, "mysql", "tsql"]),
)
def test_sql_shaped_text_never_raises(text: str, dialect: str | None) -> None:
    assert_positions_within(text, sql_facts(text, dialect))
