-- AI calls, budgets, spend and reservations
CREATE TABLE ai_calls (
  id TEXT PRIMARY KEY, user_id TEXT, organization_id TEXT, model TEXT NOT NULL, provider TEXT NOT NULL,
  prompt_tokens BIGINT NOT NULL DEFAULT 0, completion_tokens BIGINT NOT NULL DEFAULT 0,
  cost_nanos BIGINT NOT NULL DEFAULT 0, latency_ms BIGINT NOT NULL DEFAULT 0, status TEXT NOT NULL, error TEXT,
  streamed INTEGER NOT NULL DEFAULT 0, usage_estimated INTEGER NOT NULL DEFAULT 0,
  execution_id TEXT, step_id TEXT, request_id TEXT, created_at TEXT NOT NULL, created_ms BIGINT NOT NULL);
CREATE INDEX ai_calls_user_time ON ai_calls (user_id, created_ms);
CREATE INDEX ai_calls_organization_time ON ai_calls (organization_id, created_ms);
CREATE INDEX ai_calls_execution ON ai_calls (execution_id);
CREATE TABLE ai_budgets (
  scope_type TEXT NOT NULL, scope_id TEXT NOT NULL, monthly_limit_nanos BIGINT NOT NULL,
  updated_at TEXT NOT NULL, updated_by TEXT, PRIMARY KEY (scope_type, scope_id));
CREATE TABLE ai_spend (
  scope_type TEXT NOT NULL, scope_id TEXT NOT NULL, month TEXT NOT NULL, spent_nanos BIGINT NOT NULL DEFAULT 0,
  reserved_nanos BIGINT NOT NULL DEFAULT 0, calls BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (scope_type, scope_id, month));
CREATE TABLE ai_reservations (
  id TEXT PRIMARY KEY, user_id TEXT, organization_id TEXT, user_scoped INTEGER NOT NULL,
  organization_scoped INTEGER NOT NULL, month TEXT NOT NULL, amount_nanos BIGINT NOT NULL, created_epoch BIGINT NOT NULL)
