-- Who saved a design version: the signed-in account (`auth/`), or NULL when the server asks for
-- no sign-in (and for versions saved before accounts existed).

ALTER TABLE design_versions ADD COLUMN saved_by TEXT;
