-- agents, with the figures their executions add up to
CREATE TABLE ag_agents (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL,
  organization_id TEXT,
  owner_type TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT,
  role TEXT,
  framework TEXT NOT NULL,
  agent_type TEXT NOT NULL,
  status TEXT NOT NULL,
  version TEXT NOT NULL,
  definition TEXT,
  resource_limits TEXT NOT NULL,
  metadata TEXT NOT NULL,
  workflow_id TEXT,
  node_count INTEGER NOT NULL DEFAULT 0,
  container_id TEXT,
  deployed_at TEXT,
  total_executions BIGINT NOT NULL DEFAULT 0,
  successful_executions BIGINT NOT NULL DEFAULT 0,
  total_duration_ms BIGINT NOT NULL DEFAULT 0,
  last_execution TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted_at TEXT
);
CREATE INDEX ag_agents_owner ON ag_agents (owner_id, created_at);
CREATE INDEX ag_agents_organization ON ag_agents (organization_id, created_at);
-- each execution counted once, whichever host hears of its end
CREATE TABLE ag_counted_executions (
  execution_id TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL,
  counted_at TEXT NOT NULL
);
-- runs of POST /execute: several agents at once (parallel) or one after another
CREATE TABLE ag_runs (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL,
  organization_id TEXT,
  principal TEXT NOT NULL,
  parallel INTEGER NOT NULL,
  deadline_ms BIGINT,
  agent_count INTEGER NOT NULL,
  successful INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  input TEXT NOT NULL,
  started_at TEXT NOT NULL,
  completed_at TEXT
);
CREATE TABLE ag_run_agents (
  run_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  agent_id TEXT NOT NULL,
  agent_name TEXT NOT NULL,
  execution_id TEXT,
  status TEXT NOT NULL,
  duration_ms BIGINT,
  PRIMARY KEY (run_id, position)
);
CREATE INDEX ag_run_agents_execution ON ag_run_agents (execution_id);
