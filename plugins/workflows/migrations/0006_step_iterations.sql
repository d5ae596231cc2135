-- Steps that run more than once: a pass of a cycle, a turn of a tool loop.
-- Each pass is its own row, numbered by `iteration` (1, 2, ...); `pass` is
-- the pass of the graph's cycle it belongs to (bounded by recursion_limit)
-- and `seq` the order in which the run committed its outputs, so that a
-- restarted run replays its state in the order it was built.
CREATE TABLE wf_execution_steps_v2 (
  execution_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  iteration INTEGER NOT NULL DEFAULT 1,
  pass INTEGER NOT NULL DEFAULT 1,
  seq BIGINT,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  output TEXT,
  error TEXT,
  tokens_used BIGINT,
  cost DOUBLE PRECISION,
  started_at TEXT,
  completed_at TEXT,
  wake_ms BIGINT,
  PRIMARY KEY (execution_id, step_id, iteration)
);
INSERT INTO wf_execution_steps_v2 (execution_id, step_id, status, attempts, output, error, tokens_used, cost, started_at, completed_at, wake_ms)
  SELECT execution_id, step_id, status, attempts, output, error, tokens_used, cost, started_at, completed_at, wake_ms FROM wf_execution_steps;
DROP TABLE wf_execution_steps;
ALTER TABLE wf_execution_steps_v2 RENAME TO wf_execution_steps
