-- Item counts of Distributed Map runs whose ItemBatcher groups several items into one child
-- execution: how many items each child ran (ListExecutions' itemCount, DescribeMapRun's
-- itemCounts), and how many items the run has in all. NULL on rows written before: one item
-- a child, and a run's item total is its child count.
ALTER TABLE executions ADD COLUMN item_count INTEGER;
ALTER TABLE map_runs ADD COLUMN item_total INTEGER;
