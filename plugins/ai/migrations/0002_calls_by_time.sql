-- Calls in the order their records were written (ended_ms), for the feed
-- analytics reads (ai.ledger's calls): a long call is written after calls
-- that began after it. Older rows take the end their latency gives.
ALTER TABLE ai_calls ADD COLUMN ended_ms BIGINT;
UPDATE ai_calls SET ended_ms = created_ms + latency_ms;
CREATE INDEX ai_calls_ended ON ai_calls (ended_ms, id)
