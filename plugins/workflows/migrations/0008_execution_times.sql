-- Where an execution's time went, in microseconds: all of it since the host
-- that ended it took it (wall_us), and the part in its steps' own work
-- (step_us: handlers, models, tools). The rest is the engine's.
ALTER TABLE wf_executions ADD COLUMN wall_us BIGINT;
ALTER TABLE wf_executions ADD COLUMN step_us BIGINT;
