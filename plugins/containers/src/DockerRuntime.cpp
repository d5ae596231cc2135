#include "DockerRuntime.h"

#include "LogLines.h"

#include <orchestrator/time.hpp>

#include <Poco/URI.h>

#include <cmath>
#include <sstream>
#include <thread>

namespace containers {
namespace {

std::string encoded(const std::string& text) {
  std::string out;
  Poco::URI::encode(text, "!#$&'()*+,/:;=?@[]{}\"", out);
  return out;
}

/// The engine's own words for a failed call: {"message": ...}.
std::string messageOf(const DockerClient::Answer& answer) {
  auto body = answer.json();
  if (body.is_object() && body.contains("message")) return body["message"].get<std::string>();
  return answer.body.substr(0, 300);
}

} // namespace

const DockerClient::Answer& DockerRuntime::expect(const DockerClient::Answer& answer, std::initializer_list<int> expected,
                                                  const std::string& what) {
  for (int status : expected)
    if (answer.status == status) return answer;
  throw std::runtime_error("Docker Engine refused to " + what + " (" + std::to_string(answer.status) + "): " + messageOf(answer));
}

std::string DockerRuntime::image(std::vector<std::string>& events) {
  std::lock_guard lock(imageMutex_);
  if (!built_) built_ = std::make_unique<WorkerImage>(settings_.executable, settings_.pluginsDir);
  auto name = "orchestrator-worker:" + built_->tag();
  if (docker_.call("GET", "/images/" + encoded(name) + "/json").status == 200) {
    events.push_back("Image " + name + " ready (this build's, made before)");
    return name;
  }
  auto started = std::chrono::steady_clock::now();
  auto answer = docker_.upload("/images/create?fromSrc=-&repo=orchestrator-worker&tag=" + built_->tag(), "application/x-tar",
                               [this](std::ostream& out) { built_->writeTar(out); });
  expect(answer, {200}, "import the worker image");
  // The import streams its progress as JSON lines; a failure is one with "error".
  std::istringstream lines(answer.body);
  for (std::string line; std::getline(lines, line);) {
    auto progress = orch::json::parse(line, nullptr, false);
    if (progress.is_object() && progress.contains("error"))
      throw std::runtime_error("Docker Engine could not import the worker image: " + progress["error"].get<std::string>());
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  events.push_back("Image " + name + " built from this host's binary, " + std::to_string(built_->files().size()) +
                   " files (the plugins and their libraries), in " + std::to_string(ms) + " ms");
  return name;
}

runtime::Container DockerRuntime::start(const runtime::StartRequest& request) {
  std::vector<std::string> events;
  auto imageName = image(events);
  orch::json env = orch::json::array();
  for (const auto& [key, value] : request.environment) {
    if (key == "ORCH_PLUGINS__DIR") continue; // the image's own
    env.push_back(key + "=" + value);
  }
  env.push_back(std::string("ORCH_PLUGINS__DIR=") + WorkerImage::kPlugins);
  env.push_back("ORCH_SERVER__DATA_DIR=/tmp/worker");
  orch::json host = {
      {"NetworkMode", request.network == "none" ? "none" : "host"},
      // on-failure with a count of 0 would be unlimited; no restarts is "no".
      {"RestartPolicy", request.maxRestarts > 0 ? orch::json{{"Name", "on-failure"}, {"MaximumRetryCount", request.maxRestarts}}
                                                : orch::json{{"Name", "no"}}},
      {"Binds", {request.linkDir + ":" + request.linkDir}},
      {"Tmpfs", {{"/tmp", "rw,mode=1777"}}},
  };
  if (request.cpus > 0) host["NanoCpus"] = static_cast<std::int64_t>(request.cpus * 1e9);
  if (request.memoryMib > 0) {
    host["Memory"] = request.memoryMib << 20;
    host["MemorySwap"] = request.memoryMib << 20; // no swap past the limit: over it is an OOM kill
  }
  orch::json spec = {{"Image", imageName},
                     {"Entrypoint", {WorkerImage::kBinary}},
                     {"Cmd", {"worker"}},
                     {"Env", env},
                     {"Labels", request.labels},
                     {"HostConfig", host}};
  // A container of the name left by a deploy that died half way is in the way.
  docker_.call("DELETE", "/containers/" + encoded(request.name) + "?force=1");
  auto created = expect(docker_.call("POST", "/containers/create?name=" + encoded(request.name), spec), {201},
                        "create the container").json();
  auto id = created["Id"].get<std::string>().substr(0, 12);
  for (const auto& warning : created.value("Warnings", orch::json::array()))
    if (warning.is_string()) events.push_back("Docker: " + warning.get<std::string>());
  events.push_back("Container " + id + " created");
  try {
    expect(docker_.call("POST", "/containers/" + id + "/start"), {204, 304}, "start the container");
  } catch (...) {
    docker_.call("DELETE", "/containers/" + id + "?force=1");
    throw;
  }
  auto container = inspect(id);
  container.events = std::move(events);
  return container;
}

void DockerRuntime::remove(const std::string& id) {
  if (id.empty()) return;
  expect(docker_.call("DELETE", "/containers/" + encoded(id) + "?force=1&v=1"), {204, 404}, "remove the container");
  cpu_.forget(id);
}

runtime::Container DockerRuntime::restart(const std::string& id) {
  expect(docker_.call("POST", "/containers/" + encoded(id) + "/restart?t=5"), {204, 404}, "restart the container");
  return inspect(id);
}

runtime::Container DockerRuntime::view(const orch::json& inspected) {
  runtime::Container c;
  c.id = inspected.value("Id", std::string()).substr(0, 12);
  const auto& state = inspected["State"];
  auto status = state.value("Status", std::string("exited"));
  // created, running, paused, restarting, removing, exited, dead: in the runtime's words.
  c.status = status == "running" || status == "paused" ? "running" : status == "restarting" ? "restarting" : "exited";
  c.labels = inspected["Config"].value("Labels", std::map<std::string, std::string>());
  c.startedAt = state.value("StartedAt", std::string());
  if (c.startedAt.rfind("0001-", 0) == 0) c.startedAt.clear();
  c.restartCount = inspected.value("RestartCount", 0);
  if (c.status != "running") c.exitCode = state.value("ExitCode", 0);
  c.oomKilled = state.value("OOMKilled", false);
  if (c.oomKilled) {
    auto memory = inspected["HostConfig"].value("Memory", std::int64_t{0}) >> 20;
    c.error = "killed for memory (its limit is " + std::to_string(memory) + " MiB)";
  } else if (!state.value("Error", std::string()).empty()) {
    c.error = state["Error"].get<std::string>();
  } else if (c.exitCode && *c.exitCode > 128) {
    c.error = "killed by signal " + std::to_string(*c.exitCode - 128);
  } else if (c.exitCode) {
    c.error = "exited with status " + std::to_string(*c.exitCode);
  }
  const auto& host = inspected["HostConfig"];
  c.limits = {{"cpus", static_cast<double>(host.value("NanoCpus", std::int64_t{0})) / 1e9},
              {"memory_mib", host.value("Memory", std::int64_t{0}) >> 20},
              {"network", host.value("NetworkMode", std::string()) == "none" ? "none" : "shared"},
              {"enforced_by", "docker"},
              {"pid", state.value("Pid", 0) > 0 ? orch::json(state["Pid"]) : orch::json()}};
  return c;
}

runtime::Container DockerRuntime::inspect(const std::string& id) {
  auto answer = docker_.call("GET", "/containers/" + encoded(id) + "/json");
  if (answer.status == 404 || id.empty()) {
    runtime::Container missing;
    missing.id = id;
    missing.status = "missing";
    return missing;
  }
  return view(expect(answer, {200}, "inspect the container").json());
}

runtime::Usage DockerRuntime::stats(const std::string& id) {
  runtime::Usage usage;
  auto take = [&] {
    return expect(docker_.call("GET", "/containers/" + encoded(id) + "/stats?stream=false&one-shot=true"), {200},
                  "read the container's stats")
        .json();
  };
  auto stats = take();
  auto memory = stats.value("memory_stats", orch::json::object());
  auto used = memory.value("usage", std::int64_t{0});
  // As `docker stats` shows it: without the page cache the kernel can take back.
  auto detail = memory.value("stats", orch::json::object());
  used -= detail.value("total_inactive_file", detail.value("inactive_file", std::int64_t{0}));
  usage.memoryUsageMib = static_cast<double>(std::max<std::int64_t>(used, 0)) / (1 << 20);
  usage.memoryLimitMib = static_cast<double>(memory.value("limit", std::int64_t{0})) / (1 << 20);
  auto networks = stats.value("networks", orch::json::object()); // items() of a temporary would dangle
  for (const auto& [name, network] : networks.items()) {
    usage.networkRx += network.value("rx_bytes", std::int64_t{0});
    usage.networkTx += network.value("tx_bytes", std::int64_t{0});
  }
  // CPU over two samples (a health check ago, or 100 ms back): the first from the answer above.
  bool first = true;
  usage.cpuPercent = cpu_.percent(id, [&]() -> std::optional<std::int64_t> {
    auto sample = first ? stats : take();
    first = false;
    auto total = sample.value("cpu_stats", orch::json::object()).value("cpu_usage", orch::json::object()).value("total_usage", orch::json());
    if (!total.is_number()) return std::nullopt;
    return total.get<std::int64_t>();
  });
  return usage;
}

orch::json DockerRuntime::logs(const runtime::LogQuery& query) {
  LogLines lines(query.since, query.until, query.tail);
  std::string path = "/containers/" + encoded(query.containerId) + "/logs?stdout=1&stderr=1&timestamps=1";
  // The engine filters by whole seconds; LogLines to the millisecond.
  if (auto since = orch::parseRfc3339(query.since)) path += "&since=" + std::to_string(*since / 1000);
  if (auto until = orch::parseRfc3339(query.until)) path += "&until=" + std::to_string(*until / 1000 + 1);
  if (query.tail > 0 && query.since.empty() && query.until.empty()) path += "&tail=" + std::to_string(query.tail);
  auto answer = docker_.call("GET", path);
  if (answer.status == 404) return lines.take();
  expect(answer, {200}, "read the container's logs");
  std::istringstream text(DockerClient::demultiplex(answer.body));
  for (std::string line; std::getline(text, line);) {
    // "<the engine's RFC 3339 time> <the worker's line>"; the worker's own time is kept when it has one.
    auto space = line.find(' ');
    auto engineTime = space == std::string::npos ? std::string() : line.substr(0, space);
    auto fallback = orch::parseRfc3339(engineTime) ? orch::rfc3339Millis(*orch::parseRfc3339(engineTime))
                                                   : orch::rfc3339Millis(orch::nowMs());
    lines.add(space == std::string::npos ? line : line.substr(space + 1), "container", fallback);
  }
  return lines.take();
}

std::vector<runtime::Container> DockerRuntime::list(const std::map<std::string, std::string>& labels) {
  auto filters = orch::json::array();
  for (const auto& [key, value] : labels) filters.push_back(key + "=" + value);
  std::string path = "/containers/json?all=1";
  if (!filters.empty()) path += "&filters=" + encoded(orch::json{{"label", filters}}.dump());
  std::vector<runtime::Container> out;
  for (const auto& found : expect(docker_.call("GET", path), {200}, "list containers").json()) {
    auto id = found.value("Id", std::string()).substr(0, 12);
    out.push_back(inspect(id));
  }
  return out;
}

} // namespace containers
