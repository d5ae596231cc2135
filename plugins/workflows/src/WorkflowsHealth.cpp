#include "WorkflowsHealth.h"

#include <orchestrator/services/health.hpp>
#include <orchestrator/services/metrics.hpp>
#include <orchestrator/time.hpp>

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <algorithm>

namespace workflows {
namespace {

namespace health = orch::services::health;

std::int64_t waitingRuns(const orch::Plugin& plugin) {
  auto now = orch::nowMs();
  auto row = plugin.db().queryOne("SELECT COUNT(*) AS n FROM wf_jobs WHERE kind = 'run' AND lease_until_ms <= ? AND run_at_ms <= ?",
                                  {now, now});
  return orch::integerColumn((*row)["n"]);
}

/// The server's first line ("220 ..."): half a second to connect, half a second to greet.
orch::json smtpGreeting(const StepSettings& settings) {
  Poco::Net::StreamSocket socket;
  Poco::Timespan timeout(std::clamp<std::int64_t>(settings.smtpTimeoutMs, 100, 500) * 1000);
  socket.connect(Poco::Net::SocketAddress(settings.smtpHost, static_cast<Poco::UInt16>(settings.smtpPort)), timeout);
  socket.setReceiveTimeout(timeout);
  char buffer[512];
  auto received = socket.receiveBytes(buffer, sizeof buffer - 1);
  std::string greeting(buffer, received > 0 ? static_cast<std::size_t>(received) : 0);
  socket.sendBytes("QUIT\r\n", 6);
  if (greeting.rfind("220", 0) != 0) throw std::runtime_error("the SMTP server did not greet with 220");
  return {{"host", settings.smtpHost}, {"port", settings.smtpPort}};
}

} // namespace

void registerWorkflowsHealth(orch::Plugin& plugin, std::shared_ptr<const StepSettings> settings) {
  health::contribute(plugin, "workflows", [&plugin, settings] {
    orch::json components;
    components["queue"] = health::timed([&plugin] {
      auto leased = plugin.db().queryOne("SELECT COUNT(*) AS n FROM wf_jobs WHERE kind = 'run' AND lease_until_ms > ?", {orch::nowMs()});
      return orch::json{{"depth", waitingRuns(plugin)}, {"running", orch::integerColumn((*leased)["n"])}};
    });
    if (settings->smtpHealthCheck) components["smtp"] = health::timed([&settings] { return smtpGreeting(*settings); });
    return components;
  });
}

void registerWorkflowsMetrics(orch::Plugin& plugin, const Engine& engine) {
  orch::services::metrics::contribute(plugin, "workflows", [&plugin, &engine] {
    return engine.figures().prometheus() +
           "# HELP orch_queue_depth Runs due and waiting for an engine to take them (every host's).\n"
           "# TYPE orch_queue_depth gauge\n"
           "orch_queue_depth " + std::to_string(waitingRuns(plugin)) + "\n";
  });
}

} // namespace workflows
