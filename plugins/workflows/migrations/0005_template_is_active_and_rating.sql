-- templates' is_active and rating
-- An inactive template is listed but cannot be instantiated; rating is
-- null until something rates it.
ALTER TABLE wf_templates ADD COLUMN is_active INTEGER NOT NULL DEFAULT 1;
ALTER TABLE wf_templates ADD COLUMN rating DOUBLE PRECISION
