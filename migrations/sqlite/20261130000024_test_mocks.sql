-- The designer's test runs' mocks (`engine/test_runs.rs`): each run's MockConfigFile text and
-- the test case it chose, kept under the run's own test case name so a Standard test run
-- that a restart interrupts still finds them.

CREATE TABLE test_mocks (
    test_case TEXT PRIMARY KEY,
    state_machine_name TEXT NOT NULL,
    source_test_case TEXT NOT NULL,
    config TEXT NOT NULL,
    created_millis INTEGER NOT NULL
) WITHOUT ROWID;
