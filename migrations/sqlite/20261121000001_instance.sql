-- One row that identifies this Statehouse installation and when its database was created.
CREATE TABLE instance (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    instance_id TEXT NOT NULL,
    created_at TEXT NOT NULL
);

INSERT INTO instance (id, instance_id, created_at)
VALUES (1, lower(hex(randomblob(16))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
