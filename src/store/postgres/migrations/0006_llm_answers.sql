-- lia schema, version 6: the answers of the LLM engines (DESIGN §1.4).
-- PostgreSQL dialect of src/store/migrations/0006_llm_answers.sql.

CREATE TABLE llm_answers (
  key text PRIMARY KEY CHECK (length(key) = 64),
  provider text NOT NULL,
  model text NOT NULL,
  stage text NOT NULL,
  prompt_version text NOT NULL,
  answer text NOT NULL,  -- JSON text exactly as validated and normalised.
  input_tokens bigint NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
  output_tokens bigint NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
  created_at timestamptz NOT NULL
);
CREATE INDEX llm_answers_created_at ON llm_answers (created_at);
