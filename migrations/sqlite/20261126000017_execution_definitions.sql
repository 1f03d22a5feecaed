-- Each definition an execution runs is stored once, not once per execution.
--
-- Every execution keeps the definition it started with (DescribeStateMachineForExecution, a
-- redrive, the execution views), but thousands of executions run the same text: a Distributed
-- Map's children all run its item processor. New executions point at a row here and leave
-- `executions.definition` empty; rows written before this migration keep their text there.

CREATE TABLE execution_definitions (
    id INTEGER PRIMARY KEY,
    -- The first eight bytes of the text's SHA-256, as a signed integer: finds a stored copy.
    hash INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX execution_definitions_by_hash ON execution_definitions (hash);

ALTER TABLE executions ADD COLUMN definition_id INTEGER REFERENCES execution_definitions (id);
