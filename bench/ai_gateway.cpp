// Gateway overhead: the same chat completion sent straight to a local
// OpenAI-compatible server and through POST /api/v1/ai/route (routing,
// budget check, provider call, call record), interleaved in one run at a
// fixed rate for each. Prints the added latency (median, p99), throughput,
// and the host's memory before and after. Asserts nothing.
//
//   ai_gateway_bench [requests_per_second=1000] [seconds=20]
#include "FakeLlmServer.h"
#include "HostProcess.h"
#include "HttpClient.h"
#include "Percentile.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;
using orch::test::FakeLlmServer;
using orch::test::HostProcess;
using orch::test::HttpClient;
using json = nlohmann::json;
using bench::percentile;

long rssKib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

struct Target {
  const char* name;
  int port;
  std::string path, body;
  std::map<std::string, std::string> headers;
  std::mutex mutex;
  std::vector<double> latenciesUs;
  std::vector<double> gatewayUs; ///< the Server-Timing "gateway" figure, when sent
  std::atomic<int> failures{0};
};

/// One keep-alive connection sending `target`'s request at its scheduled
/// times; latency counts from the scheduled time, so a slow answer that
/// delays the next send is charged to the next one too (no coordinated omission).
void drive(Target& target, Clock::time_point start, std::chrono::nanoseconds interval, int first, int step, int count) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(target.port));
  session.setKeepAlive(true);
  std::vector<double> mine, gatewayTimes;
  for (int i = first; i < count; i += step) {
    auto scheduled = start + interval * i;
    std::this_thread::sleep_until(scheduled);
    try {
      Poco::Net::HTTPRequest request("POST", target.path, Poco::Net::HTTPMessage::HTTP_1_1);
      request.setContentType("application/json");
      request.setContentLength(static_cast<std::streamsize>(target.body.size()));
      request.setKeepAlive(true);
      for (const auto& [name, value] : target.headers) request.set(name, value);
      session.sendRequest(request) << target.body;
      Poco::Net::HTTPResponse response;
      auto& in = session.receiveResponse(response);
      in.ignore(std::numeric_limits<std::streamsize>::max());
      if (response.getStatus() != 200) ++target.failures;
      auto timing = response.get("Server-Timing", "");
      if (timing.rfind("gateway;dur=", 0) == 0) gatewayTimes.push_back(std::stod(timing.substr(12)) * 1000);
    } catch (const std::exception&) {
      ++target.failures;
      session.reset();
    }
    mine.push_back(std::chrono::duration<double, std::micro>(Clock::now() - scheduled).count());
  }
  std::lock_guard lock(target.mutex);
  target.latenciesUs.insert(target.latenciesUs.end(), mine.begin(), mine.end());
  target.gatewayUs.insert(target.gatewayUs.end(), gatewayTimes.begin(), gatewayTimes.end());
}

} // namespace

int main(int argc, char** argv) {
  int rate = argc > 1 ? std::atoi(argv[1]) : 1000;
  int seconds = argc > 2 ? std::atoi(argv[2]) : 20;
  FakeLlmServer provider;

  auto plugins = orch::test::linkedPluginFolder("ai-bench", {ORCH_PLUGIN_DIR "/auth.so", ORCH_PLUGIN_DIR "/ai.so"});
  HostProcess host({.pluginsDir = plugins,
                    .config = "ratelimit.enabled = false\n"
                              "ai.providers = openai\n"
                              "ai.providers.openai.base_url = " + provider.baseUrl() + "/v1\n"
                              "ai.providers.openai.api_key = sk-bench\n",
                    .env = {{"ORCH_ADMIN_EMAIL", "bench@example.com"}, {"ORCH_ADMIN_PASSWORD", "bench-password-42"}}});
  HttpClient client(host.port());
  auto login = client.post("/api/v1/auth/login", {{"email", "bench@example.com"}, {"password", "bench-password-42"}});
  auto token = login.json()["access_token"].get<std::string>();
  auto key = client.post("/api/v1/auth/api-keys", {{"name", "bench"}, {"scopes", {"ai:route"}}},
                         {{"Authorization", "Bearer " + token}}).json()["key"].get<std::string>();

  json messages = {{{"role", "user"}, {"content", "Classify the sentiment of: the delivery was late but support was great."}}};
  Target direct{"direct", provider.port(), "/v1/chat/completions",
                json{{"model", "gpt-4o-mini"}, {"messages", messages}, {"max_tokens", 50}}.dump(), {}};
  Target gateway{"gateway", host.port(), "/api/v1/ai/route",
                 json{{"prompt", messages[0]["content"]}, {"providers", {"openai"}}, {"priority", "cost"},
                      {"max_tokens", 50}}.dump(),
                 {{"X-API-KEY", key}}};
  // Warm up both paths (connections, first allocations), then measure.
  for (auto* target : {&direct, &gateway}) {
    std::vector<std::thread> warm;
    for (int c = 0; c < 4; ++c) warm.emplace_back(drive, std::ref(*target), Clock::now(), std::chrono::milliseconds(1), c, 4, 400);
    for (auto& t : warm) t.join();
    target->latenciesUs.clear();
    target->gatewayUs.clear();
    target->failures = 0;
  }
  auto rssBefore = rssKib(host.pid());

  const int connections = 8, count = rate * seconds;
  auto interval = std::chrono::nanoseconds(1000000000LL / rate);
  auto start = Clock::now() + std::chrono::milliseconds(50);
  std::vector<std::thread> threads;
  for (auto* target : {&direct, &gateway})
    for (int c = 0; c < connections; ++c)
      threads.emplace_back(drive, std::ref(*target), start, interval, c, connections, count);
  std::atomic<bool> done{false};
  std::thread janitor([&] { // the fake keeps every request; forget them as we go
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      provider.clear();
    }
  });
  for (auto& t : threads) t.join();
  auto elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  done = true;
  janitor.join();
  auto rssAfter = rssKib(host.pid());

  std::printf("ai gateway overhead: %d requests/s for %d s to each target, %d connections each\n", rate, seconds, connections);
  for (auto* target : {&direct, &gateway})
    std::printf("  %-8s %6zu requests in %.1f s (%.0f/s), %d failed; latency median %.0f us, p99 %.0f us\n", target->name,
                target->latenciesUs.size(), elapsed, static_cast<double>(target->latenciesUs.size()) / elapsed,
                target->failures.load(), percentile(target->latenciesUs, 0.5), percentile(target->latenciesUs, 0.99));
  std::printf("  added by the gateway: median %.0f us, p99 %.0f us\n",
              percentile(gateway.latenciesUs, 0.5) - percentile(direct.latenciesUs, 0.5),
              percentile(gateway.latenciesUs, 0.99) - percentile(direct.latenciesUs, 0.99));
  // The access log's own timing: from the request read to the answer sent,
  // the provider's round trip included, the client's connection excluded.
  std::vector<double> insideUs;
  std::istringstream log(host.logs());
  for (std::string line; std::getline(log, line);) {
    auto at = line.find(" /api/v1/ai/route 200 ");
    if (at == std::string::npos) continue;
    auto ms = line.find("ms ", at);
    auto begin = line.rfind(' ', ms);
    if (ms != std::string::npos && begin != std::string::npos) insideUs.push_back(std::stod(line.substr(begin + 1, ms - begin - 1)) * 1000);
  }
  std::printf("  time inside the host per ai/route (access log, provider call included): median %.0f us, p99 %.0f us\n",
              percentile(insideUs, 0.5), percentile(insideUs, 0.99));
  std::printf("  the gateway's own work per call (Server-Timing, provider wait excluded): median %.0f us, p99 %.0f us\n",
              percentile(gateway.gatewayUs, 0.5), percentile(gateway.gatewayUs, 0.99));
  std::printf("  host RSS: %.1f MiB before, %.1f MiB after\n", rssBefore / 1024.0, rssAfter / 1024.0);
  std::filesystem::remove_all(plugins);
  return 0;
}
