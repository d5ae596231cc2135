-- Finished executions in the order they finished, for the feed analytics
-- reads (ExecutionFeed.cpp); covering, so re-reading a window touches only
-- the index. Executions under way, by tenant, for a dashboard's count.
CREATE INDEX wf_executions_finished ON wf_executions (completed_at, id, attempt);
CREATE INDEX wf_executions_active ON wf_executions (owner_id, organization_id) WHERE status IN ('queued', 'scheduled', 'running')
