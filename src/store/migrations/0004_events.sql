-- lia schema, version 4: the event log behind GET /api/v1/events (DESIGN §7).
-- SQLite dialect.
--
-- Same conventions as 0001: timestamps are RFC 3339 UTC text with
-- milliseconds and 'Z', so text order is time order. Workers in other
-- processes append here; every server streams from here, so an event's id is
-- also its Server-Sent Events id and Last-Event-ID resumes across restarts.

CREATE TABLE events (
  -- AUTOINCREMENT: ids only grow, even once old events are deleted, so a
  -- client's Last-Event-ID never names a later event. SQLite takes one writer
  -- at a time, so events commit in id order and a reader that has seen id N
  -- will never find a new event at or below N.
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL CHECK (type <> ''),  -- "opportunity.created"...
  data TEXT NOT NULL DEFAULT '{}',        -- JSON.
  created_at TEXT NOT NULL
);

-- Retention: deleting the events older than a cutoff.
CREATE INDEX events_created_at ON events (created_at);
