-- The executions list pages newest first by (start_millis, arn), across all state machines
-- or within one; these indexes keep every keyset page an index range scan.
CREATE INDEX executions_by_start ON executions (start_millis DESC, arn DESC);
CREATE INDEX executions_by_machine_start ON executions (state_machine_arn, start_millis DESC, arn DESC);
