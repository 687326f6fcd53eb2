-- 0001: the first schema. Applied inside one BEGIN IMMEDIATE transaction gated on
-- PRAGMA user_version (see migrate.go). Times are Unix microseconds (UTC).

-- meta holds store-wide facts, such as the identity of the data key the secrets are sealed with.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- certs are signing certificates (X.509 CAs). private_key is the AES-256-GCM sealed PKCS#8
-- key of a certificate provkeys generated, NULL for an imported one.
CREATE TABLE certs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    name_key    TEXT    NOT NULL UNIQUE, -- strings.ToLower(name): NOCASE folds ASCII only
    pem         TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    issuer      TEXT    NOT NULL,
    not_after   INTEGER NOT NULL,
    private_key BLOB,
    created_at  INTEGER NOT NULL,
    created_by  TEXT    NOT NULL
) STRICT;

-- groups are machine groups.
CREATE TABLE groups (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    name_key    TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    enabled     INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    created_at  INTEGER NOT NULL,
    created_by  TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT    NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
) STRICT;

-- keys are machine provisioning keys. material is nonce||AES-256-GCM ciphertext of the key
-- text with "provkeys/key/<id>" as associated data; NULL once View/Export is off. The
-- fingerprint stays in the clear so verify is an index lookup.
CREATE TABLE keys (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    name_key       TEXT    NOT NULL UNIQUE,
    cert_id        INTEGER NOT NULL REFERENCES certs (id),
    enabled        INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    allow_reenroll INTEGER NOT NULL CHECK (allow_reenroll IN (0, 1)),
    exportable     INTEGER NOT NULL CHECK (exportable IN (0, 1)),
    cloud          TEXT    NOT NULL,
    fingerprint    TEXT    NOT NULL UNIQUE,
    material       BLOB,
    description    TEXT    NOT NULL DEFAULT '',
    max_usage      INTEGER NOT NULL DEFAULT 0 CHECK (max_usage >= 0),
    usage_count    INTEGER NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
    expires_at     INTEGER, -- NULL: never
    created_at     INTEGER NOT NULL,
    created_by     TEXT    NOT NULL,
    updated_at     INTEGER NOT NULL,
    updated_by     TEXT    NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    -- A key that is not exportable has no material: turning View/Export off erases it.
    CHECK (exportable = 1 OR material IS NULL)
) STRICT;

CREATE INDEX keys_cert ON keys (cert_id);

-- key_groups links keys to their machine groups; the store keeps at least one per key.
CREATE TABLE key_groups (
    key_id   INTEGER NOT NULL REFERENCES keys (id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES groups (id),
    PRIMARY KEY (key_id, group_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX key_groups_group ON key_groups (group_id, key_id);

-- audit is append-only: the triggers below refuse every UPDATE and DELETE.
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    remote      TEXT    NOT NULL DEFAULT '',
    action      TEXT    NOT NULL,
    object_type TEXT    NOT NULL,
    object_id   INTEGER NOT NULL,
    object_name TEXT    NOT NULL,
    old         TEXT    NOT NULL DEFAULT '',
    new         TEXT    NOT NULL DEFAULT '',
    result      TEXT    NOT NULL
) STRICT;

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- saved_filters are named filter expressions.
CREATE TABLE saved_filters (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    name_key   TEXT    NOT NULL UNIQUE,
    expr       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT    NOT NULL
) STRICT;
