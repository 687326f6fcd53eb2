-- 0006: one secret, one key. payload_hash is the SHA-256 of the key's decoded payload
-- (store.PayloadHash): "3|HOST|P", "03|host|P" and "3|other.host|P" are the same secret, which
-- the fingerprint (a hash of the spelling) does not see. The unique index refuses a second key
-- with the same payload. It stays when View/Export erases the material, so the secret stays
-- known. Existing rows are filled in by the Go step (backfillPayloadHash), which must open the
-- material; a key whose material was erased before this step keeps NULL (unknown), which the
-- index allows any number of times.
ALTER TABLE keys ADD COLUMN payload_hash BLOB;
CREATE UNIQUE INDEX keys_payload_hash ON keys (payload_hash);
