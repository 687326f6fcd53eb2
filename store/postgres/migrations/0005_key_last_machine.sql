-- 0005: each key remembers the machine that enrolled with it most recently, kept by the
-- enrollment transaction, so the listing and the filter machine:NAME read one column instead
-- of searching the machines of a million keys.
ALTER TABLE keys ADD COLUMN last_machine text NOT NULL DEFAULT '';

UPDATE keys SET last_machine = (SELECT m.name FROM machines m WHERE m.key_id = keys.id ORDER BY m.id DESC LIMIT 1)
    WHERE EXISTS (SELECT 1 FROM machines m WHERE m.key_id = keys.id);
