-- The failure patterns above the executions list read the newest failed and timed-out
-- top-level executions, of all state machines or of one. Partial, so only executions that
-- fail pay for it when they are written; the query repeats this WHERE word for word, which is
-- how SQLite knows the index applies.
CREATE INDEX executions_failures ON executions (state_machine_arn, start_millis, arn)
    WHERE status IN ('FAILED', 'TIMED_OUT') AND map_run_arn IS NULL;
