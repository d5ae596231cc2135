-- templates
CREATE TABLE wf_templates (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT,
  category TEXT,
  featured INTEGER NOT NULL DEFAULT 0,
  tags TEXT NOT NULL DEFAULT '[]',
  preview_image TEXT,
  parameters TEXT NOT NULL DEFAULT '[]',
  graph TEXT NOT NULL,
  builtin INTEGER NOT NULL DEFAULT 0,
  owner_id TEXT,
  organization_id TEXT,
  usage_count INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX wf_templates_owner ON wf_templates (owner_id);
CREATE INDEX wf_templates_category ON wf_templates (category)

