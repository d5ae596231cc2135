-- The marketplace (issue 20): listings of published agents, the signed
-- bundle of each version, the copies installed from them, what installs
-- were charged, who ran a copy, and reviews. Money is in minor units
-- (cents), so revenue adds up exactly.
CREATE TABLE mk_listings (
  id TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL UNIQUE,          -- the publisher's agent; publishing again adds a version
  owner_id TEXT NOT NULL,                 -- the publisher (user), and its organization if the agent has one
  organization_id TEXT,
  marketplace_name TEXT NOT NULL,
  marketplace_agent_id TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT,
  readme TEXT,
  framework TEXT NOT NULL,
  tags TEXT NOT NULL,                     -- JSON array, also in mk_listing_tags for the filter
  search_text TEXT NOT NULL,              -- name, description and tags lower-cased: one column for search to scan
  pricing_type TEXT NOT NULL,             -- free, one_time, subscription
  price_cents BIGINT NOT NULL DEFAULT 0,
  currency TEXT NOT NULL,
  billing_interval TEXT,                  -- daily, weekly, monthly, yearly (subscriptions)
  status TEXT NOT NULL,                   -- published, unpublished
  latest_version INTEGER NOT NULL,        -- mk_versions.number of the newest
  downloads BIGINT NOT NULL DEFAULT 0,
  rating_sum BIGINT NOT NULL DEFAULT 0,
  rating_count BIGINT NOT NULL DEFAULT 0,
  published_at TEXT NOT NULL,
  unpublished_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX mk_listings_catalogue ON mk_listings (status, downloads);
CREATE INDEX mk_listings_newest ON mk_listings (status, published_at);
-- covering for a search's count (no row looked up), and the filters' count
CREATE INDEX mk_listings_search ON mk_listings (status, search_text);
CREATE INDEX mk_listings_filters ON mk_listings (status, pricing_type, framework);
-- a listing's tags, with the listing's filter columns copied (they change only
-- at publish and unpublish), so a tag filter's count reads this table alone
CREATE TABLE mk_listing_tags (
  listing_id TEXT NOT NULL,
  tag TEXT NOT NULL,
  status TEXT NOT NULL,
  pricing_type TEXT NOT NULL,
  framework TEXT NOT NULL,
  PRIMARY KEY (tag, listing_id)
);
CREATE INDEX mk_listing_tags_filters ON mk_listing_tags (tag, status, pricing_type, framework, listing_id);
CREATE TABLE mk_versions (
  listing_id TEXT NOT NULL,
  number INTEGER NOT NULL,                -- 1, 2, ... in publishing order
  agent_version TEXT NOT NULL,            -- the agent's version when it was published
  bundle TEXT NOT NULL,                   -- the signed bundle, as exported
  needs TEXT NOT NULL,                    -- JSON: the bundle's "requires", for the listing's page without parsing the bundle
  digest TEXT NOT NULL,
  published_at TEXT NOT NULL,
  PRIMARY KEY (listing_id, number)
);
CREATE TABLE mk_installs (
  id TEXT PRIMARY KEY,
  listing_id TEXT NOT NULL,
  version_number INTEGER NOT NULL,        -- the version the copy is pinned to
  agent_id TEXT NOT NULL UNIQUE,          -- the installed copy
  workflow_ids TEXT NOT NULL,             -- JSON: the bundle's workflow index -> the copy's workflow id
  installer_id TEXT NOT NULL,
  organization_id TEXT,                   -- the organization it was installed into, if any
  pricing_type TEXT NOT NULL,             -- the price when it was installed
  price_cents BIGINT NOT NULL,
  currency TEXT NOT NULL,
  billing_interval TEXT,
  next_charge_at TEXT,                    -- a subscription's next period
  installed_at TEXT NOT NULL,
  removed_at TEXT                         -- the copy was deleted: no more charges
);
CREATE INDEX mk_installs_listing ON mk_installs (listing_id);
CREATE TABLE mk_ledger (
  id TEXT PRIMARY KEY,
  install_id TEXT NOT NULL,
  listing_id TEXT NOT NULL,
  kind TEXT NOT NULL,                     -- one_time, subscription
  amount_cents BIGINT NOT NULL,
  currency TEXT NOT NULL,
  period_start TEXT NOT NULL,
  reference TEXT,                         -- the billing plugin's, when one charged it
  created_at TEXT NOT NULL,
  UNIQUE (install_id, period_start)       -- one charge per period, whichever host charges it
);
CREATE INDEX mk_ledger_listing ON mk_ledger (listing_id);
CREATE TABLE mk_usage (
  listing_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  last_run_at TEXT NOT NULL,
  PRIMARY KEY (listing_id, user_id)
);
CREATE TABLE mk_reviews (
  id TEXT PRIMARY KEY,
  listing_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,                -- the installing user or organization: one review each
  user_id TEXT NOT NULL,
  rating INTEGER NOT NULL,
  review TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (listing_id, tenant_id)
);
