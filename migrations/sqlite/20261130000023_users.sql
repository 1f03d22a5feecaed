-- Accounts of the web app (`statehouse user add`). Once a row exists, every page asks for a
-- sign-in. `name` is lower-cased; `password_hash` is an Argon2id PHC string;
-- `password_changed_millis` is when the password was last set: a session remembers it, and
-- one signed in before a change is signed out.

CREATE TABLE users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_millis INTEGER NOT NULL,
    password_changed_millis INTEGER NOT NULL
) WITHOUT ROWID;
