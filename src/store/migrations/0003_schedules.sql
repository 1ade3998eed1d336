-- lia schema, version 3: cron schedules (DESIGN §6). SQLite dialect.
--
-- Same conventions as 0001: timestamps are RFC 3339 UTC text with
-- milliseconds and 'Z', so text order is time order; enums hold wire names.
-- The configuration is the source of truth (jobs/scheduler.h, Sync); these
-- rows add what it cannot know: when each schedule last ran and runs next,
-- shared by every process on the database.

CREATE TABLE schedules (
  -- "digest"; part of the idempotency key of the jobs it enqueues.
  name TEXT PRIMARY KEY CHECK (name <> ''),
  cron TEXT NOT NULL,            -- Five fields, UTC, canonical text.
  job_type TEXT NOT NULL CHECK (job_type <> ''),
  payload TEXT NOT NULL DEFAULT '{}',
  priority TEXT NOT NULL DEFAULT 'normal'
    CHECK (priority IN ('high', 'normal', 'low')),
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  -- The tick last claimed (its scheduled instant); NULL: never.
  last_run_at TEXT,
  -- The tick to claim next; NULL while disabled. A claim moves it with
  -- "UPDATE ... WHERE name = ? AND next_run_at = <the tick read>", so of two
  -- processes claiming the same tick only one succeeds.
  next_run_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK (enabled = 0 OR next_run_at IS NOT NULL)
);

-- Claiming: the enabled schedules that are due.
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE enabled = 1;
