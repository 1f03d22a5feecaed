-- Web sessions (tower-sessions) kept across restarts. The approver's page keeps its one-time
-- Post/Redirect/Get confirmation here, so a restart between the POST and the redirected GET
-- still shows it. `id` is the session id as its cookie carries it, `data` the session's
-- key/value map as JSON, `expires_at` milliseconds since the epoch; an expired row is never
-- loaded and is deleted when read and whenever a session is saved.

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
