-- executions, their steps and the job queue
-- Times the engine compares are epoch milliseconds (BIGINT); times a client
-- reads are RFC 3339 text, like every other table.
CREATE TABLE wf_executions (
  id TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL,
  workflow_version TEXT NOT NULL,
  agent_id TEXT,
  owner_id TEXT NOT NULL,
  organization_id TEXT,
  principal TEXT NOT NULL,
  status TEXT NOT NULL,
  priority INTEGER NOT NULL,
  execution_mode TEXT NOT NULL,
  input TEXT NOT NULL,
  metadata TEXT NOT NULL,
  output TEXT,
  error TEXT,
  failed_step TEXT,
  webhook_url TEXT,
  timeout_ms BIGINT,
  retry_count INTEGER NOT NULL,
  correlation_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  scheduled_at TEXT,
  started_at TEXT,
  started_ms BIGINT,
  deadline_ms BIGINT,
  completed_at TEXT,
  duration_ms BIGINT,
  cpu_us BIGINT,
  peak_bytes BIGINT
);
CREATE INDEX wf_executions_workflow ON wf_executions (workflow_id, created_at);
CREATE INDEX wf_executions_owner ON wf_executions (owner_id, created_at);
CREATE INDEX wf_executions_created ON wf_executions (created_at);
CREATE TABLE wf_execution_steps (
  execution_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  output TEXT,
  error TEXT,
  tokens_used BIGINT,
  cost DOUBLE PRECISION,
  started_at TEXT,
  completed_at TEXT,
  wake_ms BIGINT,
  PRIMARY KEY (execution_id, step_id)
);
CREATE TABLE wf_jobs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  priority INTEGER NOT NULL,
  run_at_ms BIGINT NOT NULL,
  lease_owner TEXT,
  lease_until_ms BIGINT NOT NULL,
  attempts INTEGER NOT NULL,
  last_error TEXT
);
CREATE INDEX wf_jobs_due ON wf_jobs (lease_until_ms, run_at_ms);
CREATE INDEX wf_jobs_owner ON wf_jobs (lease_owner);
CREATE TABLE wf_settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
)

