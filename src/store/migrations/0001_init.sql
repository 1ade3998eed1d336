-- lia schema, version 1 (DESIGN §5). SQLite dialect.
--
-- Conventions: timestamps are TEXT in RFC 3339 UTC with milliseconds and 'Z'
-- ("2026-11-29T10:00:00.123Z"), so text order is time order. Enums are TEXT
-- holding their wire names ("HIGH_PRIORITY", "pending"...). Columns that a
-- sort or a keyset cursor reads are NOT NULL (or sorted through ifnull), so
-- keyset comparisons never meet a NULL.

CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  title TEXT,
  last_message_at TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- A message is stored once. Two keys recognise a repeat: the source id (NULL
-- when unknown, and NULLs never collide) and the dedupe key. The dedupe-key
-- columns are NOT NULL with '' for unknown, because a UNIQUE index treats
-- NULLs as distinct: two identical messages without source id, conversation
-- or time must still collide.
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  source_id TEXT UNIQUE,
  client_id TEXT NOT NULL DEFAULT '',
  conversation_id TEXT NOT NULL DEFAULT '',
  sender TEXT NOT NULL DEFAULT '',
  sender_profile_url TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL CHECK (text <> ''),
  text_hash TEXT NOT NULL,
  sent_at TEXT NOT NULL DEFAULT '',
  thread_json TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX messages_dedupe
  ON messages (conversation_id, sender, sent_at, text_hash);

-- AUTOINCREMENT: the id of a deleted opportunity is never given to another
-- (clients, links and events may still hold it).
CREATE TABLE opportunities (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id INTEGER NOT NULL UNIQUE REFERENCES messages (id),
  conversation_id TEXT NOT NULL DEFAULT '',
  recruiter_name TEXT NOT NULL DEFAULT '',
  raw_message TEXT NOT NULL DEFAULT '',
  analysis_json TEXT NOT NULL,
  -- Denormalised from analysis_json for filters, sorts and search.
  company TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
  role TEXT NOT NULL DEFAULT '',
  total_score INTEGER NOT NULL DEFAULT 0,
  tier TEXT NOT NULL,
  manual_tier TEXT,
  effective_tier TEXT GENERATED ALWAYS AS (coalesce(manual_tier, tier)) VIRTUAL,
  status TEXT NOT NULL DEFAULT 'new',
  processing_status TEXT NOT NULL DEFAULT 'completed',
  conversation_state TEXT NOT NULL,
  remote_policy TEXT NOT NULL DEFAULT 'unknown',
  salary_usd_max INTEGER,  -- Yearly USD; NULL when unknown.
  notes TEXT NOT NULL DEFAULT '',
  profile_version INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
-- One index per sort order, each ending in id for the keyset cursor; the
-- filtered variants let a one-value filter walk its own rows in sort order.
CREATE INDEX opportunities_created ON opportunities (created_at, id);
CREATE INDEX opportunities_score ON opportunities (total_score, id);
CREATE INDEX opportunities_company ON opportunities (company, id);
-- Unknown salaries sort as -1: after every known one when descending.
CREATE INDEX opportunities_salary
  ON opportunities (ifnull(salary_usd_max, -1), id);
CREATE INDEX opportunities_tier_created
  ON opportunities (effective_tier, created_at, id);
CREATE INDEX opportunities_status_created
  ON opportunities (status, created_at, id);
CREATE INDEX opportunities_processing_created
  ON opportunities (processing_status, created_at, id);
CREATE INDEX opportunities_state_created
  ON opportunities (conversation_state, created_at, id);
-- A follow-up finds the earlier opportunity of its conversation.
CREATE INDEX opportunities_conversation ON opportunities (conversation_id);

CREATE TABLE opportunity_tech (
  opportunity_id INTEGER NOT NULL
    REFERENCES opportunities (id) ON DELETE CASCADE,
  tech TEXT NOT NULL COLLATE NOCASE,
  PRIMARY KEY (opportunity_id, tech)
) WITHOUT ROWID;
CREATE INDEX opportunity_tech_by_tech ON opportunity_tech (tech, opportunity_id);

CREATE TABLE responses (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  opportunity_id INTEGER NOT NULL UNIQUE
    REFERENCES opportunities (id) ON DELETE CASCADE,
  status TEXT NOT NULL DEFAULT 'pending',
  kind TEXT NOT NULL,
  language TEXT NOT NULL,
  draft_text TEXT NOT NULL DEFAULT '',
  final_text TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX responses_status_created ON responses (status, created_at, id);
CREATE INDEX responses_created ON responses (created_at, id);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);

-- Full text over company, role and message. External content: the text lives
-- once, in opportunities; the triggers below keep the index in step with
-- every write, whichever code path makes it. unicode61 with diacritics removed
-- so "sao paulo" finds "São Paulo".
CREATE VIRTUAL TABLE opportunities_fts USING fts5 (
  company, role, raw_message,
  content = 'opportunities', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER opportunities_fts_insert AFTER INSERT ON opportunities BEGIN
  INSERT INTO opportunities_fts (rowid, company, role, raw_message)
  VALUES (new.id, new.company, new.role, new.raw_message);
END;
CREATE TRIGGER opportunities_fts_delete AFTER DELETE ON opportunities BEGIN
  INSERT INTO opportunities_fts (opportunities_fts, rowid, company, role,
                                 raw_message)
  VALUES ('delete', old.id, old.company, old.role, old.raw_message);
END;
CREATE TRIGGER opportunities_fts_update
AFTER UPDATE OF company, role, raw_message ON opportunities BEGIN
  INSERT INTO opportunities_fts (opportunities_fts, rowid, company, role,
                                 raw_message)
  VALUES ('delete', old.id, old.company, old.role, old.raw_message);
  INSERT INTO opportunities_fts (rowid, company, role, raw_message)
  VALUES (new.id, new.company, new.role, new.raw_message);
END;
