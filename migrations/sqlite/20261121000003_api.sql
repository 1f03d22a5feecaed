-- What the Step Functions API keeps beside the engine: resource tags (state machines and
-- activities) and when a state machine was last updated.

CREATE TABLE tags (
    resource_arn TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (resource_arn, key)
) WITHOUT ROWID;

ALTER TABLE state_machines ADD COLUMN updated_millis INTEGER;
