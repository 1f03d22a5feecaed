-- A redrive of a parent execution redrives its failed Map Run (the same run, its
-- unsuccessful children redriven): how many times, and when last (DescribeMapRun's
-- redriveCount and redriveDate).
ALTER TABLE map_runs ADD COLUMN redrive_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE map_runs ADD COLUMN redrive_millis INTEGER;
