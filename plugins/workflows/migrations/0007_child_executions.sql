-- Executions that a step of another execution started ("$run_workflow": a
-- `workflow` step, an agent called as a tool). The step waits without a
-- thread; this row says which step, so that the child's end wakes it.
ALTER TABLE wf_executions ADD COLUMN parent_execution_id TEXT;
ALTER TABLE wf_executions ADD COLUMN parent_step_id TEXT;
ALTER TABLE wf_executions ADD COLUMN parent_iteration INTEGER;
ALTER TABLE wf_executions ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
CREATE INDEX wf_executions_parent ON wf_executions (parent_execution_id);
