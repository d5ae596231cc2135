-- Deployed agents' workers (README, "Workers"): a pool per agent, whose
-- worker proves itself with the token hashed here. Deleting the row revokes
-- it. A worker links to the host that deployed it (host_id, server.host_id):
-- that host, restarted, opens its pools again, so workers that outlived it
-- link again.
CREATE TABLE wf_worker_pools (
  agent_id TEXT PRIMARY KEY,
  host_id TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  created_at TEXT NOT NULL
);
