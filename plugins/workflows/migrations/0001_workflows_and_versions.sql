-- workflows and their versions
CREATE TABLE wf_workflows (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT,
  category TEXT,
  status TEXT NOT NULL DEFAULT 'active',
  settings TEXT NOT NULL DEFAULT '{}',
  graph TEXT NOT NULL,
  version TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  organization_id TEXT,
  template_id TEXT,
  agent_id TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted_at TEXT
);
CREATE INDEX wf_workflows_owner ON wf_workflows (owner_id, deleted_at);
CREATE INDEX wf_workflows_organization ON wf_workflows (organization_id, deleted_at);
CREATE TABLE wf_workflow_versions (
  workflow_id TEXT NOT NULL REFERENCES wf_workflows(id),
  version TEXT NOT NULL,
  graph TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT,
  PRIMARY KEY (workflow_id, version)
)

