-- Designs saved from the designer. A design is a unique name; each save adds a version,
-- numbered 1, 2, … per design and never rewritten (a restore adds a new version that copies
-- an old one). A version keeps its message, the definition text exactly as the designer sent
-- it (at most 1 MB, AWS's limit for a definition) and the layout sidecar (JSON) when there is
-- one. Times are milliseconds since the epoch.

CREATE TABLE designs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_millis INTEGER NOT NULL
);

-- A rowid table (not WITHOUT ROWID): its rows hold definitions of up to 1 MB.
CREATE TABLE design_versions (
    id INTEGER PRIMARY KEY,
    design_id INTEGER NOT NULL REFERENCES designs (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    message TEXT NOT NULL CHECK (length(message) BETWEEN 1 AND 500),
    definition TEXT NOT NULL CHECK (octet_length(definition) <= 1048576),
    layout TEXT,
    -- The version a restore copied, for restores.
    restored_from INTEGER,
    created_millis INTEGER NOT NULL,
    UNIQUE (design_id, version)
);
