-- 0004: each operator's choice of Keys columns (the dashboard's column chooser), by operator
-- name: a comma-separated list of column names, in order.
CREATE TABLE operator_columns (
    operator   TEXT    PRIMARY KEY,
    columns    TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
