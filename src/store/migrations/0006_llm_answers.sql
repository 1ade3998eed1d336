-- lia schema, version 6: the answers of the LLM engines (DESIGN §1.4), kept
-- so that a message analysed once is never sent to a model again, across
-- restarts. SQLite dialect; conventions as in 0001.
--
-- Only answers that validated (after normalisation) are stored; a failed or
-- invalid answer is never cached. Written and read by llm/sqlite.

CREATE TABLE llm_answers (
  -- 64 hex digits: BLAKE2b-256 of provider, model, stage, prompt version
  -- (with a fingerprint of the prompt's text), profile version and the
  -- normalised input (llm/answer_cache.h, AnswerKey).
  key TEXT PRIMARY KEY CHECK (length(key) = 64),
  provider TEXT NOT NULL,                -- 'openai', 'anthropic', 'ollama'.
  model TEXT NOT NULL,                   -- 'gpt-4o-mini'.
  stage TEXT NOT NULL,                   -- 'classify', 'extract'...
  prompt_version TEXT NOT NULL,          -- 'extract.v1+0123456789abcdef'.
  answer TEXT NOT NULL,                  -- JSON, validated and normalised.
  -- What producing it cost, the repair included: calls saved by a hit are
  -- worth these many tokens.
  input_tokens INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
  output_tokens INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
  created_at TEXT NOT NULL
) WITHOUT ROWID;

-- Retention: deleting the answers older than a cutoff (a prompt or model
-- change leaves the old ones unread).
CREATE INDEX llm_answers_created_at ON llm_answers (created_at);
