-- 0004: each operator's choice of Keys columns (the dashboard's column chooser), by operator
-- name: a comma-separated list of column names, in order. store/sqlite's 0004 in this dialect.
CREATE TABLE operator_columns (
    operator   text        PRIMARY KEY,
    columns    text        NOT NULL,
    updated_at timestamptz NOT NULL
);
