-- History events are keyed by a small integer of their execution instead of its ARN: the
-- ARN (about 90 bytes) was most of every event's row and of the bytes each commit writes.
-- `executions.history_key` is given when the execution is inserted (one more than the
-- largest so far) and never changes; existing rows take their rowid, which is unique now.
ALTER TABLE executions ADD COLUMN history_key INTEGER;
UPDATE executions SET history_key = rowid;
CREATE UNIQUE INDEX executions_by_history_key ON executions (history_key);

CREATE TABLE history_events_keyed (
    execution_key INTEGER NOT NULL,
    id INTEGER NOT NULL,
    previous_id INTEGER NOT NULL,
    timestamp_millis INTEGER NOT NULL,
    type TEXT NOT NULL,
    details TEXT,
    PRIMARY KEY (execution_key, id)
) WITHOUT ROWID;

INSERT INTO history_events_keyed (execution_key, id, previous_id, timestamp_millis, type, details)
SELECT executions.history_key, history_events.id, history_events.previous_id, history_events.timestamp_millis,
       history_events.type, history_events.details
FROM history_events JOIN executions ON executions.arn = history_events.execution_arn;

DROP TABLE history_events;
ALTER TABLE history_events_keyed RENAME TO history_events;
