-- lia schema, version 5: what background work needs beyond the queue
-- (DESIGN §6): uploaded exports waiting for their import job, the daily
-- digests, and retention. SQLite dialect; conventions as in 0001.

-- An upload is stored with the job that processes it, in one transaction,
-- so an accepted import is never lost; its bytes are dropped once imported.
CREATE TABLE uploads (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind <> ''),     -- 'linkedin-export'.
  size INTEGER NOT NULL CHECK (size >= 0),   -- Of the bytes as received.
  bytes BLOB,                                -- NULL once processed.
  state TEXT NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'done', 'failed')),
  summary TEXT NOT NULL DEFAULT '{}',        -- JSON, set when done.
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- One digest per UTC day; building it again replaces it.
CREATE TABLE digests (
  day TEXT PRIMARY KEY,          -- 'YYYY-MM-DD'.
  body TEXT NOT NULL,            -- JSON.
  created_at TEXT NOT NULL
);

-- Retention removes an opportunity and keeps its message as a tombstone
-- (text removed, hashes kept), so a re-import still sees a duplicate and
-- does not analyse it again.
ALTER TABLE messages ADD COLUMN retired_at TEXT;

-- "Has this message ever had an analysis job?" for every job state (the
-- live-only unique index of 0002 cannot answer it).
CREATE INDEX jobs_idempotency_any ON jobs (idempotency_key)
  WHERE idempotency_key IS NOT NULL;
-- (Retention finds old finished jobs through jobs_state of 0002: an index
-- on updated_at would be rewritten by every lease and completion.)
