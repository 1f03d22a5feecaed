-- The actual cost views' cache: the transitions each finished Standard execution's history
-- bills (`asl::cost::actual::billed_transitions`), counted once by the web views and summed
-- per state machine and UTC day in SQL. `redrive_count` is the execution's when it was
-- counted: a redriven execution's row is stale and is counted again once it ends. Running
-- executions are never cached. Only `server/src/web/executions_data.rs` writes this table.
CREATE TABLE execution_costs (
    execution_arn TEXT PRIMARY KEY NOT NULL REFERENCES executions (arn) ON DELETE CASCADE,
    -- The execution's state machine (`MACHINE/LABEL` for Distributed Map children).
    state_machine_arn TEXT NOT NULL,
    -- The UTC day it started, as days since the Unix epoch.
    day INTEGER NOT NULL,
    -- 1 for a Distributed Map child execution.
    child INTEGER NOT NULL,
    redrive_count INTEGER NOT NULL,
    transitions INTEGER NOT NULL
) WITHOUT ROWID;
-- Covers the per-day sums of one state machine.
CREATE INDEX execution_costs_by_machine_day ON execution_costs (state_machine_arn, day, child, transitions);
-- Finds one state machine's finished executions not counted yet (and its running ones)
-- without reading the executions' rows, which hold definitions and snapshots.
CREATE INDEX executions_by_machine_status ON executions (state_machine_arn, status, arn, redrive_count);
