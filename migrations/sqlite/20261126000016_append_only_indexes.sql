-- Indexes that new executions append to instead of prepending to.
--
-- SQLite scans an index backwards as cheaply as forwards, so `ORDER BY start_millis DESC, arn
-- DESC` reads an ascending index as well as a descending one. But an insert at the left edge
-- of a B-tree splits pages the slow way, while one at the right edge takes SQLite's quick
-- append path: with descending keys every new execution landed at the left edge.
--
-- `executions_by_machine` was a prefix of `executions_by_machine_start` and is dropped.

DROP INDEX executions_by_machine;

DROP INDEX executions_by_start;
CREATE INDEX executions_by_start ON executions (start_millis, arn);

DROP INDEX executions_by_machine_start;
CREATE INDEX executions_by_machine_start ON executions (state_machine_arn, start_millis, arn);
