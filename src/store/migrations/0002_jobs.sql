-- lia schema, version 2: the durable job queue (DESIGN §6). SQLite dialect.
--
-- Same conventions as 0001: timestamps are RFC 3339 UTC text with
-- milliseconds and 'Z', so text order is time order; enums hold wire names.

CREATE TABLE jobs (
  -- AUTOINCREMENT: a job id in an event, a log line or a Location header
  -- never names another job later.
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL CHECK (type <> ''),
  payload TEXT NOT NULL DEFAULT '{}',
  priority TEXT NOT NULL DEFAULT 'normal'
    CHECK (priority IN ('high', 'normal', 'low')),
  -- The order leasing takes priorities in; indexed (a TEXT sort would put
  -- 'low' before 'normal').
  priority_rank INTEGER GENERATED ALWAYS AS (
    CASE priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END) VIRTUAL,
  state TEXT NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'dead',
                     'cancelled')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts INTEGER NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
  run_at TEXT NOT NULL,          -- Not leased before this instant.
  lease_owner TEXT,              -- Set while running.
  lease_expires_at TEXT,         -- Set while running.
  last_error TEXT NOT NULL DEFAULT '',
  idempotency_key TEXT,          -- NULL: none.
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- Leasing: the first queued job by priority, run time and id.
CREATE INDEX jobs_lease ON jobs (state, priority_rank, run_at, id);
-- Leasing again the jobs of dead workers: running jobs by lease expiry.
CREATE INDEX jobs_lease_expiry ON jobs (lease_expires_at)
  WHERE state = 'running';
-- One live job per idempotency key; a finished job's key may be used again.
CREATE UNIQUE INDEX jobs_idempotency_live ON jobs (idempotency_key)
  WHERE idempotency_key IS NOT NULL AND state IN ('queued', 'running');
-- Lists by state, newest first; lists and counts by type and state.
CREATE INDEX jobs_state ON jobs (state, id);
CREATE INDEX jobs_type ON jobs (type, state, id);
