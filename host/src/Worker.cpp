#include "orchestrator/host/Worker.h"

#include "WorkerLink.h"

#include <orchestrator/ids.hpp>
#include <orchestrator/plugin.hpp>

#include <Poco/Exception.h>
#include <Poco/Logger.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace orch::host {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("worker"); }

/// The attempt the calling thread runs: a service its step calls is asked
/// of the host on its behalf (the host checks that this worker holds it).
thread_local std::string currentAttempt;

std::string firstLineWith(const std::string& file, const std::string& prefix) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0) return line;
  return {};
}

std::string readAll(const std::string& file) {
  std::ifstream in(file);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

} // namespace

WorkerSettings WorkerSettings::fromConfig(const Config& config) {
  WorkerSettings s;
  s.link = config.getString("worker.link", "");
  s.token = config.getString("worker.token", "");
  s.agentId = config.getString("worker.agent_id", "");
  if (s.link.empty()) throw ConfigError("worker.link is required: the host's Unix socket (its server.unix_socket)");
  if (s.token.empty()) throw ConfigError("worker.token is required: the credential its deployment gave this worker");
  s.concurrency = static_cast<int>(config.getInt("worker.concurrency", s.concurrency, 1, 256));
  s.pollMs = static_cast<int>(config.getInt("worker.poll_ms", s.pollMs, 100, 60000));
  if (config.find("worker.host_plugins")) {
    auto list = config.getList("worker.host_plugins");
    s.hostPlugins = {list.begin(), list.end()};
  }
  return s;
}

Worker::Worker(Config& config, ServerSettings server, WorkerSettings settings)
    : config_(config), server_(std::move(server)), settings_(std::move(settings)),
      context_(config, static_cast<unsigned>(server_.jobWorkers)), plugins_(context_),
      link_(std::make_unique<WorkerLink>(settings_.link, settings_.token)), instance_(orch::newId()),
      startedAt_(std::chrono::steady_clock::now()) {}

Worker::~Worker() { stop(); }

void Worker::start() {
  std::filesystem::create_directories(server_.dataDir);
  context_.storage = Storage::open({server_.storageUrl, server_.dataDir, 1, 2});
  context_.forwardService = [this](const std::string& name, const std::string& method, const std::string& request,
                                   std::string& result, std::string& error) -> orch_status {
    try {
      auto answer = link_->post("/api/v1/workers/services/" + name + "/" + method,
                                {{"attempt_id", currentAttempt}, {"request", nlohmann::json::parse(request, nullptr, false)}},
                                300000);
      auto body = nlohmann::json::parse(answer.body, nullptr, false);
      if (answer.status != 200 || !body.is_object()) {
        error = "the host refused the call to service '" + name + "' (" + std::to_string(answer.status) + "): " + answer.body;
        return ORCH_ERROR;
      }
      auto status = body.value("status", ORCH_ERROR);
      if (status == ORCH_OK) result = body.value("result", nlohmann::json()).dump();
      else error = body.value("error", std::string("service '" + name + "' failed"));
      return status;
    } catch (const Poco::Exception& e) {
      error = "the host is out of reach (" + e.displayText() + "): service '" + name + "' cannot be called";
      return ORCH_ERROR;
    } catch (const std::exception& e) {
      error = "service '" + name + "' answered what this worker cannot read: " + std::string(e.what());
      return ORCH_ERROR;
    }
  };
  plugins_.keepOut(settings_.hostPlugins, "served by the host (worker.host_plugins)");
  plugins_.loadAll(server_.pluginsDir);
  plugins_.applyMigrations();
  plugins_.startAll();
  logger().information("worker for agent %s: %z plugins loaded, linking to %s", settings_.agentId,
                       plugins_.loadedCount(), settings_.link);
}

nlohmann::json Worker::health() const {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  auto rss = firstLineWith("/proc/self/status", "VmRSS:");
  std::size_t running = 0;
  {
    std::lock_guard lock(mutex_);
    running = running_.size();
  }
  auto plugins = nlohmann::json::array();
  for (const auto& record : plugins_.records())
    if (record->state == PluginRecord::State::Loaded) plugins.push_back(record->name);
  return {{"status", "healthy"},
          {"worker_id", instance_},
          {"agent_id", settings_.agentId},
          {"hostname", host},
          {"pid", static_cast<long>(getpid())},
          {"cgroup", readAll("/proc/self/cgroup")},
          {"rss_kib", rss.empty() ? 0 : std::stoll(rss.substr(6))},
          {"uptime_ms", std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - startedAt_).count()},
          {"running", running},
          {"plugins", plugins}};
}

void Worker::runAttempt(const nlohmann::json& attempt) {
  auto id = attempt.value("id", std::string());
  auto type = attempt.value("type", std::string());
  nlohmann::json result;
  if (type == "$health") {
    result = {{"output", health()}};
  } else {
    const auto& step = attempt["context"];
    auto config = step.value("config", nlohmann::json::object()).dump();
    auto input = step.value("input", nlohmann::json::object()).dump();
    auto principal = step.value("principal", nlohmann::json()).dump();
    auto executionId = step.value("execution_id", std::string()), stepId = step.value("step_id", std::string());
    orch_step_context context{};
    context.struct_size = sizeof context;
    context.config_json = orch::detail::view(config);
    context.input_json = orch::detail::view(input);
    context.execution_id = orch::detail::view(executionId);
    context.step_id = orch::detail::view(stepId);
    context.principal_json = orch::detail::view(principal);
    orch::detail::StringSink output, error;
    logger().information("running step %s (%s) of execution %s", stepId, type, executionId);
    currentAttempt = id;
    auto status = executeStepType(context_, type, context, output.get(), error.get());
    currentAttempt.clear();
    if (status == ORCH_OK) result = {{"output", orch::detail::parseOr(output.text, nullptr)}};
    else result = {{"error", error.text.empty() ? "step type '" + type + "' failed" : error.text}};
    logger().information("step %s (%s) of execution %s %s", stepId, type, executionId,
                         std::string(status == ORCH_OK ? "completed" : "failed: " + error.text));
  }
  // A host restarting is back in a moment; one that forgot the attempt says so (409) and runs it again itself.
  // The first try is made even while stopping: a step that ran is answered.
  for (int tries = 0; tries < 20 && (tries == 0 || !stopping_); ++tries) {
    try {
      auto answer = link_->post("/api/v1/workers/attempts/" + id, result, 10000);
      if (answer.status != 200 && answer.status != 409)
        logger().warning("the host did not take the answer to attempt %s (%d): %s", id, answer.status, answer.body);
      break;
    } catch (const Poco::Exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    } catch (const std::exception& e) {
      logger().error("cannot answer attempt %s: %s", id, std::string(e.what()));
      break;
    }
  }
  std::lock_guard lock(mutex_);
  running_.erase(id);
  idle_.notify_all();
}

void Worker::run() {
  int backoffMs = 100;
  bool linked = false;
  while (!stopping_) {
    nlohmann::json request;
    {
      std::lock_guard lock(mutex_);
      request = {{"worker", instance_},
                 {"max", settings_.concurrency - static_cast<int>(running_.size())},
                 {"wait_ms", settings_.pollMs},
                 {"running", nlohmann::json(std::vector<std::string>(running_.begin(), running_.end()))}};
    }
    WorkerLink::Answer answer;
    try {
      answer = link_->post("/api/v1/workers/claim", request, settings_.pollMs + 10000);
    } catch (const Poco::Exception& e) {
      if (linked) logger().warning("lost the link to the host (%s); trying again", e.displayText());
      linked = false;
      std::this_thread::sleep_for(std::chrono::milliseconds(backoffMs));
      backoffMs = std::min(backoffMs * 2, 2000);
      continue;
    }
    if (answer.status == 401 || answer.status == 403) {
      endedBecause_ = "the host refused this worker's token (the agent was undeployed or deployed again)";
      logger().warning("%s: stopping", endedBecause_);
      break;
    }
    auto body = nlohmann::json::parse(answer.body, nullptr, false);
    if (answer.status != 200 || !body.is_object()) {
      logger().warning("the host answered a claim with %d: %s", answer.status, answer.body);
      std::this_thread::sleep_for(std::chrono::milliseconds(backoffMs));
      backoffMs = std::min(backoffMs * 2, 2000);
      continue;
    }
    if (!linked) logger().information("linked to the host: claiming the steps of agent %s", settings_.agentId);
    linked = true;
    backoffMs = 100;
    for (const auto& attempt : body.value("attempts", nlohmann::json::array())) {
      {
        std::lock_guard lock(mutex_);
        // Stopping: the plugins are going; the host offers it again. Already running: once is enough.
        if (stopping_ || !running_.insert(attempt.value("id", std::string())).second) continue;
      }
      std::thread([this, attempt] { runAttempt(attempt); }).detach();
    }
  }
  // Steps under way finish and answer before the plugins go.
  std::unique_lock lock(mutex_);
  idle_.wait_for(lock, std::chrono::seconds(30), [this] { return running_.empty(); });
}

void Worker::stop() {
  {
    std::lock_guard lock(mutex_); // with run()'s check, so no attempt starts after this
    if (stopping_.exchange(true)) return;
  }
  {
    std::unique_lock lock(mutex_);
    // Steps still running after this keep their plugins: the process ends without a shutdown.
    if (!idle_.wait_for(lock, std::chrono::seconds(30), [this] { return running_.empty(); })) return;
  }
  plugins_.shutdownAll();
  context_.scheduler.stop();
  context_.events.stop();
}

} // namespace orch::host
