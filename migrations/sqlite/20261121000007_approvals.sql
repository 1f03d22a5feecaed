-- The approval portal: requests taken from .waitForTaskToken tasks, one link per approver,
-- the decisions, and two outboxes (mail, callbacks) written in the same transactions as the
-- changes that cause them. Times are milliseconds since the epoch.

-- The key of the CSRF field's HMAC (one row; generated here, never leaves the database).
CREATE TABLE approval_secret (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret TEXT NOT NULL
);
INSERT INTO approval_secret (id, secret) VALUES (1, lower(hex(randomblob(32))));

CREATE TABLE approval_requests (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    execution_arn TEXT NOT NULL,
    state_machine_arn TEXT NOT NULL,
    state_name TEXT NOT NULL,
    subject TEXT NOT NULL,
    details TEXT NOT NULL,          -- JSON
    deadline TEXT,                  -- as the message wrote it
    deadline_at INTEGER,            -- when it expires, when the deadline is an RFC 3339 timestamp
    policy TEXT NOT NULL,           -- any | all | quorum:N, as the channel said when it arrived
    reject_error TEXT NOT NULL,
    expire_error TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'cancelled')),
    created_at INTEGER NOT NULL,
    decided_at INTEGER
);
CREATE INDEX approval_requests_by_status ON approval_requests (status, created_at);
CREATE INDEX approval_requests_by_deadline ON approval_requests (status, deadline_at);

CREATE TABLE approval_links (
    id TEXT PRIMARY KEY,            -- 192 random bits, hex
    request_id INTEGER NOT NULL REFERENCES approval_requests (id),
    approver TEXT NOT NULL,
    UNIQUE (request_id, approver)
);

-- Who opened a link, from where and when (GETs decide nothing, but they are the audit trail).
CREATE TABLE approval_views (
    id INTEGER PRIMARY KEY,
    link_id TEXT NOT NULL REFERENCES approval_links (id),
    remote_address TEXT,
    at INTEGER NOT NULL
);

CREATE TABLE approval_decisions (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES approval_requests (id),
    link_id TEXT NOT NULL UNIQUE REFERENCES approval_links (id),
    approver TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),
    comment TEXT NOT NULL,
    remote_address TEXT,
    at INTEGER NOT NULL
);

-- Rendered mails waiting for (or done with) delivery.
CREATE TABLE approval_mail_outbox (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES approval_requests (id),
    link_id TEXT NOT NULL REFERENCES approval_links (id),
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    transport TEXT,                 -- smtp | dev-mailbox, once sent
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX approval_mail_outbox_due ON approval_mail_outbox (status, next_attempt_at);

-- The decision's SendTaskSuccess / SendTaskFailure, one per request.
CREATE TABLE approval_callbacks (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL UNIQUE REFERENCES approval_requests (id),
    token TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
    output TEXT,                    -- JSON, for success
    error TEXT,
    cause TEXT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'gone', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER
);
CREATE INDEX approval_callbacks_due ON approval_callbacks (status, next_attempt_at);
