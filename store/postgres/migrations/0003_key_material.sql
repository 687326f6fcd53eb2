-- 0003: the sealed key material moves out of the keys row into key_material, PostgreSQL's
-- dialect of store/sqlite's 0003, so both engines have the same shape. Listing every key no
-- longer reads the ciphertext; ids stay as they were (material is sealed to its row id).

-- key_material holds nonce||AES-256-GCM ciphertext of a key's text with "provkeys/key/<id>" as
-- associated data. A key has a row here only while it is exportable: turning View/Export off
-- erases it (trigger keys_erase_material), and a row for a key that is not exportable is
-- refused (trigger key_material_exportable), as the CHECK on keys used to.
CREATE TABLE key_material (
    key_id   bigint PRIMARY KEY REFERENCES keys (id) ON DELETE CASCADE,
    material bytea  NOT NULL
);

INSERT INTO key_material (key_id, material)
    SELECT id, material FROM keys WHERE material IS NOT NULL ORDER BY id;

-- Dropping the column drops the CHECK (exportable OR material IS NULL) with it.
ALTER TABLE keys DROP COLUMN material;

CREATE FUNCTION key_material_exportable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT exportable FROM keys WHERE id = NEW.key_id) IS DISTINCT FROM true THEN
        RAISE EXCEPTION 'key material is kept only for an exportable key' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER key_material_exportable BEFORE INSERT OR UPDATE ON key_material
    FOR EACH ROW EXECUTE FUNCTION key_material_exportable();

CREATE FUNCTION keys_erase_material() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM key_material WHERE key_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER keys_erase_material AFTER UPDATE OF exportable ON keys
    FOR EACH ROW WHEN (NOT NEW.exportable) EXECUTE FUNCTION keys_erase_material();
