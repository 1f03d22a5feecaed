-- Approval requests from real AWS (SQS polling or the HTTP intake): their decisions go back
-- to Step Functions over HTTP instead of to the local engine.
ALTER TABLE approval_requests ADD COLUMN origin TEXT NOT NULL DEFAULT 'engine'
    CHECK (origin IN ('engine', 'aws'));

-- Reminders before the deadline and escalation to a second list: when each is due (set when
-- the request is recorded, from its channel) and when it was sent (once).
ALTER TABLE approval_requests ADD COLUMN remind_at INTEGER;
ALTER TABLE approval_requests ADD COLUMN reminded_at INTEGER;
ALTER TABLE approval_requests ADD COLUMN escalate_at INTEGER;
ALTER TABLE approval_requests ADD COLUMN escalated_at INTEGER;
