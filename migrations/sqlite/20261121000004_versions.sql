-- State machine versions (immutable snapshots of a machine's revision, numbered 1, 2, … and
-- never renumbered) and aliases (a name routing executions to one or two versions by
-- weight), and which version and alias each execution started through.

CREATE TABLE state_machine_versions (
    machine_arn TEXT NOT NULL,
    version INTEGER NOT NULL,
    definition TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    description TEXT,
    logging_configuration TEXT,
    tracing_configuration TEXT,
    revision_id TEXT NOT NULL,
    created_millis INTEGER NOT NULL,
    PRIMARY KEY (machine_arn, version)
) WITHOUT ROWID;

CREATE TABLE state_machine_aliases (
    arn TEXT PRIMARY KEY NOT NULL,
    machine_arn TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    -- The routing configuration as AWS's JSON: [{"stateMachineVersionArn", "weight"}].
    routing_configuration TEXT NOT NULL,
    created_millis INTEGER NOT NULL,
    updated_millis INTEGER
);
CREATE INDEX state_machine_aliases_by_machine ON state_machine_aliases (machine_arn, name);

-- The highest version number ever published, so deleted numbers are not reused.
ALTER TABLE state_machines ADD COLUMN last_version INTEGER NOT NULL DEFAULT 0;

ALTER TABLE executions ADD COLUMN state_machine_version_arn TEXT;
ALTER TABLE executions ADD COLUMN state_machine_alias_arn TEXT;
