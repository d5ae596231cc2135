-- Agents deployed in a container of their own (issue 19): where, in what
-- state, and what happened, for GET agents/{id}/container and its logs.
-- host_id is the host that deployed it: that host supervises it (health
-- checks, restarts) and adopts its container after a restart.
CREATE TABLE ag_deployments (
  agent_id TEXT PRIMARY KEY,
  host_id TEXT NOT NULL,
  runtime TEXT NOT NULL,
  container_id TEXT,
  state TEXT NOT NULL,
  health_status TEXT,
  last_health_check TEXT,
  restart_count INTEGER NOT NULL DEFAULT 0, -- the runtime's own count, last seen
  host_restarts INTEGER NOT NULL DEFAULT 0, -- restarts this host made (a container stopped unasked)
  worker_id TEXT,
  error TEXT,
  deployed_at TEXT,
  updated_at TEXT NOT NULL
);
-- what the host did and saw of an agent's container, the "host" source of its logs
CREATE TABLE ag_deployment_events (
  agent_id TEXT NOT NULL,
  at_us BIGINT NOT NULL,
  level TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX ag_deployment_events_agent ON ag_deployment_events (agent_id, at_us);
