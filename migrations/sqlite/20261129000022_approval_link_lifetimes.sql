-- Approval links expire. A link's URL carries its `key`, not its row id: when the link is sent
-- again (a reminder, or the approver asking for a new one after it expired) it gets a new key
-- and a new lifetime, so the URL in an older mail stops working while the row, its views and
-- its mails stay as they were. Links made before this keep their id as their key and live as
-- long as their request (`expires_at` NULL).
ALTER TABLE approval_links ADD COLUMN key TEXT;
UPDATE approval_links SET key = id;
CREATE UNIQUE INDEX approval_links_by_key ON approval_links (key);
ALTER TABLE approval_links ADD COLUMN expires_at INTEGER;
