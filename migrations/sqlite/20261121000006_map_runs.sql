-- Distributed Map runs: one row per Map Run, written in the same transaction as the
-- decision that started or ended it. Child executions point at their Map Run.
CREATE TABLE map_runs (
    arn TEXT PRIMARY KEY NOT NULL,
    execution_arn TEXT NOT NULL,
    state_name TEXT NOT NULL,
    status TEXT NOT NULL,
    total INTEGER NOT NULL,
    max_concurrency INTEGER NOT NULL,
    tolerated_failure_count INTEGER,
    tolerated_failure_percentage REAL,
    start_millis INTEGER NOT NULL,
    stop_millis INTEGER
);
CREATE INDEX map_runs_by_execution ON map_runs (execution_arn, start_millis);

ALTER TABLE executions ADD COLUMN map_run_arn TEXT;
CREATE INDEX executions_by_map_run ON executions (map_run_arn, start_millis) WHERE map_run_arn IS NOT NULL;
