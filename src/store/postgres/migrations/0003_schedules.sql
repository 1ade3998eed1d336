-- lia schema, version 3: cron schedules (DESIGN §6). PostgreSQL dialect of
-- src/store/migrations/0003_schedules.sql; conventions as in 0001. A claim
-- moves next_run_at with "UPDATE ... WHERE name = $1 AND next_run_at = <the
-- tick read>", so of several processes claiming one tick only one succeeds.

CREATE TABLE schedules (
  name text PRIMARY KEY CHECK (name <> ''),
  cron text NOT NULL,
  job_type text NOT NULL CHECK (job_type <> ''),
  payload json NOT NULL DEFAULT '{}',
  priority text NOT NULL DEFAULT 'normal'
    CHECK (priority IN ('high', 'normal', 'low')),
  enabled boolean NOT NULL DEFAULT true,
  last_run_at timestamptz,  -- The tick last claimed; NULL: never.
  next_run_at timestamptz,  -- The tick to claim next; NULL while disabled.
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK (NOT enabled OR next_run_at IS NOT NULL)
);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE enabled;
