-- webhook subscriptions and deliveries
CREATE TABLE wh_subscriptions (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL,
  organization_id TEXT,
  owner_is_admin INTEGER NOT NULL DEFAULT 0,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  secret TEXT NOT NULL,
  description TEXT,
  active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX wh_subscriptions_owner ON wh_subscriptions (owner_id);
CREATE TABLE wh_deliveries (
  id TEXT PRIMARY KEY,
  subscription_id TEXT NOT NULL,
  event TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms BIGINT NOT NULL,
  lease_owner TEXT,
  lease_until_ms BIGINT,
  response_status INTEGER,
  last_error TEXT,
  created_ms BIGINT NOT NULL,
  created_at TEXT NOT NULL,
  completed_at TEXT
);
CREATE INDEX wh_deliveries_due ON wh_deliveries (status, next_attempt_ms);
CREATE INDEX wh_deliveries_subscription ON wh_deliveries (subscription_id, created_ms);
CREATE TABLE wh_attempts (
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  duration_ms BIGINT NOT NULL,
  response_status INTEGER,
  error TEXT,
  PRIMARY KEY (delivery_id, attempt)
);
