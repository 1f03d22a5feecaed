-- The engine's durable state. A Standard execution's snapshot, its new history events, its
-- timers and its tasks change together in one transaction per decision.

CREATE TABLE executions (
    arn TEXT PRIMARY KEY NOT NULL,
    state_machine_arn TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    output TEXT,
    error TEXT,
    cause TEXT,
    definition TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    start_millis INTEGER NOT NULL,
    stop_millis INTEGER,
    redrive_count INTEGER NOT NULL DEFAULT 0,
    test_case TEXT,
    snapshot TEXT NOT NULL
);
CREATE INDEX executions_by_machine ON executions (state_machine_arn, start_millis DESC);
CREATE INDEX executions_running ON executions (status) WHERE status = 'RUNNING';

CREATE TABLE history_events (
    execution_arn TEXT NOT NULL,
    id INTEGER NOT NULL,
    previous_id INTEGER NOT NULL,
    timestamp_millis INTEGER NOT NULL,
    type TEXT NOT NULL,
    details TEXT,
    PRIMARY KEY (execution_arn, id)
) WITHOUT ROWID;

CREATE TABLE timers (
    execution_arn TEXT NOT NULL,
    key INTEGER NOT NULL,
    due_millis INTEGER NOT NULL,
    PRIMARY KEY (execution_arn, key)
) WITHOUT ROWID;

CREATE TABLE tasks (
    token TEXT PRIMARY KEY NOT NULL,
    execution_arn TEXT NOT NULL,
    key INTEGER NOT NULL,
    request TEXT NOT NULL,
    activity_arn TEXT,
    started INTEGER NOT NULL DEFAULT 0,
    created_millis INTEGER NOT NULL
);
CREATE INDEX tasks_by_execution ON tasks (execution_arn, key);

-- State machines and activities, as the Step Functions API manages them.
CREATE TABLE state_machines (
    arn TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    definition TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    description TEXT,
    logging_configuration TEXT,
    tracing_configuration TEXT,
    revision_id TEXT NOT NULL,
    created_millis INTEGER NOT NULL
);

CREATE TABLE activities (
    arn TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    created_millis INTEGER NOT NULL
);
