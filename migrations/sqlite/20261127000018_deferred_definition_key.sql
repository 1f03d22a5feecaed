-- The executions table, rebuilt so that the engine's batched insert needs no statement journal.
--
-- An immediate foreign key on `definition_id` made every multi-row insert into `executions`
-- keep a statement journal: SQLite counts such a statement's violations and must be able to
-- undo the statement alone. That journal spilled into a temporary file each batch, about a
-- fifth of the SQLite thread's time under load. Deferred, the key is still checked, at
-- commit. SQLite cannot change a column's constraint in place, so the table is copied.
--
-- `history_key` becomes the rowid (`INTEGER PRIMARY KEY`): the history joins on it, and its
-- separate unique index is gone. `arn` stays unique.
--
-- `execution_costs` points at `executions` with ON DELETE CASCADE, so dropping the old table
-- would empty it: its rows are kept aside and put back.

CREATE TEMP TABLE kept_execution_costs AS SELECT * FROM execution_costs;

CREATE TABLE executions_rebuilt (
    history_key INTEGER PRIMARY KEY,
    arn TEXT NOT NULL UNIQUE,
    state_machine_arn TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    output TEXT,
    error TEXT,
    cause TEXT,
    -- Empty for rows that point at `execution_definitions`.
    definition TEXT NOT NULL,
    definition_id INTEGER REFERENCES execution_definitions (id) DEFERRABLE INITIALLY DEFERRED,
    role_arn TEXT NOT NULL,
    start_millis INTEGER NOT NULL,
    stop_millis INTEGER,
    redrive_count INTEGER NOT NULL DEFAULT 0,
    test_case TEXT,
    snapshot TEXT NOT NULL,
    map_run_arn TEXT,
    state_machine_version_arn TEXT,
    state_machine_alias_arn TEXT
);

INSERT INTO executions_rebuilt (history_key, arn, state_machine_arn, name, status, input, output, error, cause,
                                definition, definition_id, role_arn, start_millis, stop_millis, redrive_count,
                                test_case, snapshot, map_run_arn, state_machine_version_arn, state_machine_alias_arn)
SELECT history_key, arn, state_machine_arn, name, status, input, output, error, cause,
       definition, definition_id, role_arn, start_millis, stop_millis, redrive_count,
       test_case, snapshot, map_run_arn, state_machine_version_arn, state_machine_alias_arn
FROM executions;

DROP TABLE executions;
ALTER TABLE executions_rebuilt RENAME TO executions;

CREATE INDEX executions_running ON executions (status) WHERE status = 'RUNNING';
CREATE INDEX executions_by_map_run ON executions (map_run_arn, start_millis) WHERE map_run_arn IS NOT NULL;
CREATE INDEX executions_by_start ON executions (start_millis, arn);
CREATE INDEX executions_by_machine_start ON executions (state_machine_arn, start_millis, arn);
CREATE INDEX executions_by_machine_status ON executions (state_machine_arn, status, arn, redrive_count);

INSERT INTO execution_costs SELECT * FROM kept_execution_costs;
DROP TABLE kept_execution_costs;
