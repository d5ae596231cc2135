-- Rollups: what every analytics route answers from, kept up to date as the
-- feeds of finished executions and AI calls are read (FeedReader.cpp), in
-- the same transaction as the feed's cursor. Grain 'h' rows are UTC hours,
-- 'd' rows UTC days, 'm' rows UTC months; bucket_ms is the bucket's first
-- millisecond. Key columns
-- are NOT NULL: '' stands for no organization and no agent.
CREATE TABLE an_executions (
  grain TEXT NOT NULL, bucket_ms BIGINT NOT NULL, owner_id TEXT NOT NULL, organization_id TEXT NOT NULL,
  workflow_id TEXT NOT NULL, agent_id TEXT NOT NULL,
  executions BIGINT NOT NULL DEFAULT 0, completed BIGINT NOT NULL DEFAULT 0, failed BIGINT NOT NULL DEFAULT 0,
  cancelled BIGINT NOT NULL DEFAULT 0, duration_sum_ms BIGINT NOT NULL DEFAULT 0, durations BIGINT NOT NULL DEFAULT 0,
  steps_completed BIGINT NOT NULL DEFAULT 0, tokens BIGINT NOT NULL DEFAULT 0, cost_nanos BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (grain, bucket_ms, owner_id, organization_id, workflow_id, agent_id));
-- Covering: a series or a total sums these without a look at the table.
CREATE INDEX an_executions_owner ON an_executions (owner_id, grain, bucket_ms, workflow_id, agent_id, executions, completed,
  failed, cancelled, duration_sum_ms, durations, steps_completed, tokens, cost_nanos);
CREATE INDEX an_executions_organization ON an_executions (organization_id, grain, bucket_ms, workflow_id, agent_id, executions,
  completed, failed, cancelled, duration_sum_ms, durations, steps_completed, tokens, cost_nanos);
CREATE INDEX an_executions_workflow ON an_executions (workflow_id, grain, bucket_ms);
-- How many executions took how long, by latency bin (Buckets.h), so that
-- percentiles come without the raw rows.
CREATE TABLE an_durations (
  grain TEXT NOT NULL, bucket_ms BIGINT NOT NULL, owner_id TEXT NOT NULL, organization_id TEXT NOT NULL,
  workflow_id TEXT NOT NULL, bin INTEGER NOT NULL, n BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (grain, bucket_ms, owner_id, organization_id, workflow_id, bin));
CREATE INDEX an_durations_owner ON an_durations (owner_id, grain, bucket_ms, workflow_id, bin, n);
CREATE INDEX an_durations_organization ON an_durations (organization_id, grain, bucket_ms, workflow_id, bin, n);
CREATE INDEX an_durations_workflow ON an_durations (workflow_id, grain, bucket_ms);
-- Each step's runs of a workflow, by UTC day: a run that failed and was
-- retried counts as a run and a failure.
CREATE TABLE an_steps (
  workflow_id TEXT NOT NULL, bucket_ms BIGINT NOT NULL, step_id TEXT NOT NULL, owner_id TEXT NOT NULL,
  organization_id TEXT NOT NULL, runs BIGINT NOT NULL DEFAULT 0, failures BIGINT NOT NULL DEFAULT 0,
  duration_sum_ms BIGINT NOT NULL DEFAULT 0, tokens BIGINT NOT NULL DEFAULT 0, cost_nanos BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (workflow_id, bucket_ms, step_id, owner_id, organization_id));
-- AI calls by who made them and with which model.
CREATE TABLE an_ai_calls (
  grain TEXT NOT NULL, bucket_ms BIGINT NOT NULL, user_id TEXT NOT NULL, organization_id TEXT NOT NULL,
  model TEXT NOT NULL, provider TEXT NOT NULL, requests BIGINT NOT NULL DEFAULT 0, failures BIGINT NOT NULL DEFAULT 0,
  prompt_tokens BIGINT NOT NULL DEFAULT 0, completion_tokens BIGINT NOT NULL DEFAULT 0,
  cost_nanos BIGINT NOT NULL DEFAULT 0, latency_sum_ms BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (grain, bucket_ms, user_id, organization_id, model, provider));
CREATE INDEX an_ai_calls_user ON an_ai_calls (user_id, grain, bucket_ms);
CREATE INDEX an_ai_calls_organization ON an_ai_calls (organization_id, grain, bucket_ms);
-- How far each feed has been read; `revision` lets one reader at a time
-- (of any host) move it.
CREATE TABLE an_cursors (source TEXT PRIMARY KEY, through_ms BIGINT NOT NULL, revision BIGINT NOT NULL);
-- What has been counted, so a row read again counts once per version, and
-- a retried execution's new outcome replaces its earlier one (`counted`).
CREATE TABLE an_counted (
  source TEXT NOT NULL, id TEXT NOT NULL, version BIGINT NOT NULL, at_ms BIGINT NOT NULL, counted TEXT,
  PRIMARY KEY (source, id));
CREATE INDEX an_counted_time ON an_counted (source, at_ms);
-- The minutes in which a host with this plugin was up, for the uptime figure.
CREATE TABLE an_uptime (minute_ms BIGINT PRIMARY KEY)
