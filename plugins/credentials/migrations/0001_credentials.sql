-- credentials
CREATE TABLE cr_credentials (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL,
  organization_id TEXT,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  description TEXT,
  fields TEXT NOT NULL,
  secret TEXT NOT NULL,
  key_id TEXT NOT NULL,
  expires_at TEXT,
  expires_ms BIGINT,
  expiry_published INTEGER NOT NULL DEFAULT 0,
  last_used_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (owner_id, name)
);
CREATE INDEX cr_credentials_expiry ON cr_credentials (expiry_published, expires_ms);
