-- webhook secrets sealed at rest
-- Rows from version 1 keep a NULL key (plain text) until the plugin's start
-- seals them (sealing::reseal).
ALTER TABLE wh_subscriptions ADD COLUMN key_id TEXT;
