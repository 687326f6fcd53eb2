-- 0003: the sealed key material moves out of the keys row into key_material. Listing every key
-- reads every page of keys; with 440 bytes of ciphertext inline a scan read three times the
-- pages it needed (measured: 15-20% of the listing's CPU). The keys table is rebuilt without
-- the column (SQLite's documented twelve-step change, run with foreign keys off by
-- applyMigrations), keeping every id and the AUTOINCREMENT counter: material is sealed to its
-- row id, so no id may ever be handed out twice.

-- key_material holds nonce||AES-256-GCM ciphertext of a key's text with "provkeys/key/<id>" as
-- associated data. A key has a row here only while it is exportable: turning View/Export off
-- erases it (trigger keys_erase_material), and a row for a key that is not exportable is
-- refused (trigger key_material_exportable), as the CHECK on keys used to.
CREATE TABLE key_material (
    key_id   INTEGER PRIMARY KEY REFERENCES keys (id) ON DELETE CASCADE,
    material BLOB    NOT NULL
) STRICT;

INSERT INTO key_material (key_id, material)
    SELECT id, material FROM keys WHERE material IS NOT NULL ORDER BY id;

CREATE TABLE keys_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    name_key       TEXT    NOT NULL UNIQUE,
    cert_id        INTEGER NOT NULL REFERENCES certs (id),
    enabled        INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    allow_reenroll INTEGER NOT NULL CHECK (allow_reenroll IN (0, 1)),
    exportable     INTEGER NOT NULL CHECK (exportable IN (0, 1)),
    cloud          TEXT    NOT NULL,
    fingerprint    TEXT    NOT NULL UNIQUE,
    description    TEXT    NOT NULL DEFAULT '',
    max_usage      INTEGER NOT NULL DEFAULT 0 CHECK (max_usage >= 0),
    usage_count    INTEGER NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
    expires_at     INTEGER, -- NULL: never
    created_at     INTEGER NOT NULL,
    created_by     TEXT    NOT NULL,
    updated_at     INTEGER NOT NULL,
    updated_by     TEXT    NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
) STRICT;

INSERT INTO keys_new (id, name, name_key, cert_id, enabled, allow_reenroll, exportable, cloud,
        fingerprint, description, max_usage, usage_count, expires_at, created_at, created_by,
        updated_at, updated_by, version)
    SELECT id, name, name_key, cert_id, enabled, allow_reenroll, exportable, cloud,
        fingerprint, description, max_usage, usage_count, expires_at, created_at, created_by,
        updated_at, updated_by, version
    FROM keys ORDER BY id;

-- The counter, not max(id): ids of deleted keys stay used.
DELETE FROM sqlite_sequence WHERE name = 'keys_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'keys_new', seq FROM sqlite_sequence WHERE name = 'keys';

DROP TABLE keys;
ALTER TABLE keys_new RENAME TO keys;
CREATE INDEX keys_cert ON keys (cert_id);

CREATE TRIGGER key_material_exportable BEFORE INSERT ON key_material
    WHEN (SELECT exportable FROM keys WHERE id = NEW.key_id) IS NOT 1
BEGIN
    SELECT RAISE(ABORT, 'key material is kept only for an exportable key');
END;

CREATE TRIGGER keys_erase_material AFTER UPDATE OF exportable ON keys
    WHEN NEW.exportable = 0
BEGIN
    DELETE FROM key_material WHERE key_id = NEW.id;
END;
