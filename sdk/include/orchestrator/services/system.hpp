// Services about the whole system. "system" is the host's own: what it
// samples of the machine and of itself every minute (GET system/metrics).
// "analytics" is the analytics plugin's: the figures of executions and AI
// calls that GET monitoring/metrics shows beside the host's.
#pragma once

namespace orch::services::system {

inline constexpr const char* kService = "system";
/// {} -> the newest sample: {timestamp, cpu_usage, memory_usage, disk_usage,
/// network_io, active_agents_count, system_health_score, host_id}.
inline constexpr const char* kSample = "sample";

inline constexpr const char* kAnalytics = "analytics";
/// {principal} -> {"workflows": {total_executions, successful_executions,
/// failed_executions, average_execution_time (ms), executions_last_hour},
/// "ai_usage": {total_requests, total_cost, tokens_used,
/// average_cost_per_request}}: what the principal sees.
inline constexpr const char* kSummary = "summary";

} // namespace orch::services::system
