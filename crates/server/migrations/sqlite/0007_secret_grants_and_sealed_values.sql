-- Who may use a secret besides admins (docs/secrets.md): users by name, or roles. None: admins only.
CREATE TABLE secret_grants (
    secret_name TEXT NOT NULL REFERENCES secrets(name) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('user', 'role')),
    grantee     TEXT NOT NULL,
    PRIMARY KEY (secret_name, kind, grantee)
);

-- Values are sealed (XChaCha20-Poly1305) with a key kept outside the database. `value` is the old
-- plain text: the server seals what is left of it at start and clears it, so it becomes nullable.
CREATE TABLE secret_keys_sealed (
    secret_name TEXT NOT NULL REFERENCES secrets(name) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    value       TEXT,
    sealed      BLOB,
    PRIMARY KEY (secret_name, key)
);
INSERT INTO secret_keys_sealed (secret_name, key, value) SELECT secret_name, key, value FROM secret_keys;
DROP TABLE secret_keys;
ALTER TABLE secret_keys_sealed RENAME TO secret_keys;
