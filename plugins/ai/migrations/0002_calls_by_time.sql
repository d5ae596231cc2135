-- Calls in the order they were made, for the feed analytics reads (ai.ledger's calls).
CREATE INDEX ai_calls_time ON ai_calls (created_ms, id)
