-- workflow_type and framework of agent workflows
ALTER TABLE wf_workflows ADD COLUMN workflow_type TEXT;
ALTER TABLE wf_workflows ADD COLUMN framework TEXT;
CREATE INDEX wf_workflows_agent ON wf_workflows (agent_id, deleted_at)
