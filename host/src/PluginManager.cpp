#include "orchestrator/host/PluginManager.h"

#include "orchestrator/host/Router.h"

#include <orchestrator/plugin.hpp>

#include <Poco/Logger.h>

#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>

namespace orch::host {

struct PluginRecord::Runtime {
  boost::dll::shared_library library;
  orch_plugin_descriptor descriptor{};
  void* state = nullptr;
  std::unique_ptr<orch_host> handle;
  bool initialized = false;
};

namespace {

Poco::Logger& logger() { return Poco::Logger::get("plugins"); }

std::string versionText(std::uint32_t major, std::uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

/// Negotiates the ABI and copies the descriptor; returns a refusal reason or "".
std::string negotiate(PluginRecord& record, PluginRecord::Runtime& runtime) {
  if (!runtime.library.has(ORCH_PLUGIN_ENTRY_SYMBOL)) return "no entry point '" ORCH_PLUGIN_ENTRY_SYMBOL "'";
  auto& entry = runtime.library.get<orch_status(orch_negotiation*)>(ORCH_PLUGIN_ENTRY_SYMBOL);
  orch_negotiation negotiation{};
  negotiation.struct_size = sizeof negotiation;
  negotiation.host_abi_major = ORCH_ABI_MAJOR;
  negotiation.host_abi_minor = ORCH_ABI_MINOR;
  if (entry(&negotiation) != ORCH_OK) return "the entry point declined to load";
  record.abiMajor = negotiation.plugin_abi_major;
  record.abiMinor = negotiation.plugin_abi_minor;
  auto host = versionText(ORCH_ABI_MAJOR, ORCH_ABI_MINOR);
  auto plugin = versionText(record.abiMajor, record.abiMinor);
  if (record.abiMajor != ORCH_ABI_MAJOR)
    return "ABI major version mismatch: plugin " + plugin + ", host " + host;
  if (record.abiMinor > ORCH_ABI_MINOR)
    return "plugin needs ABI " + plugin + ", newer than the host's " + host;
  const auto* given = negotiation.descriptor;
  if (!given || given->struct_size < offsetof(orch_plugin_descriptor, on_init) + sizeof(orch_on_init_fn))
    return "no plugin descriptor";
  std::memcpy(&runtime.descriptor, given, std::min(given->struct_size, sizeof(orch_plugin_descriptor)));
  const auto& d = runtime.descriptor;
  if (!d.name || !d.on_init) return "incomplete plugin descriptor";
  if (record.name != d.name) return "descriptor names the plugin '" + std::string(d.name) + "', the file is '" + record.name + "'";
  record.version = d.version ? d.version : "";
  record.description = d.description ? d.description : "";
  return "";
}

} // namespace

const char* PluginRecord::stateName(State state) {
  switch (state) {
  case State::Loaded: return "loaded";
  case State::Refused: return "refused";
  case State::Disabled: return "disabled";
  }
  return "unknown";
}

nlohmann::json PluginRecord::toJson(const HostContext& context) const {
  nlohmann::json routeList = nlohmann::json::array();
  for (const auto& route : routes) routeList.push_back(route->method + " " + route->pathTemplate);
  nlohmann::json migrationList = nlohmann::json::array();
  for (const auto& migration : migrations) migrationList.push_back(migration.version);
  bool loaded = state == State::Loaded;
  auto owned = [&](const auto& registry) { return loaded ? registry.namesOf(name) : std::vector<std::string>{}; };
  nlohmann::json out = {
      {"name", name},
      {"file", file},
      {"version", version},
      {"description", description},
      {"abi_version", abiMajor ? versionText(abiMajor, abiMinor) : ""},
      {"state", stateName(state)},
      {"registered",
       {{"routes", loaded ? routeList : nlohmann::json::array()},
        {"step_types", owned(context.stepTypes)},
        {"framework_adapters", owned(context.frameworkAdapters)},
        {"services", owned(context.services)},
        {"migrations", loaded ? migrationList : nlohmann::json::array()},
        {"authenticator", loaded && context.authenticator && context.authenticator->owner == name}}}};
  out["settings"] = context.settings.describe(name);
  if (!reason.empty()) out["reason"] = reason;
  if (auto crash = context.crashes.of(name)) out["crashed"] = *crash;
  return out;
}

PluginManager::PluginManager(HostContext& context) : context_(context) {}

PluginManager::~PluginManager() = default;

bool PluginManager::enabled(const std::string& name, std::string& why) const {
  if (keptOut_.count(name)) {
    why = keptOutWhy_;
    return false;
  }
  auto list = context_.config.getList("plugins.enabled");
  bool listed = list.empty() || std::find(list.begin(), list.end(), "*") != list.end() ||
                std::find(list.begin(), list.end(), name) != list.end();
  if (!listed) {
    why = "not listed in plugins.enabled";
    return false;
  }
  if (!context_.config.getBool("plugins." + name + ".enabled", true)) {
    why = "plugins." + name + ".enabled = false";
    return false;
  }
  return true;
}

void PluginManager::loadAll(const std::string& directory) {
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error))
    if (entry.is_regular_file() && entry.path().extension() == ".so") files.push_back(entry.path().string());
  if (error) logger().warning("cannot read plugin folder %s: %s", directory, error.message());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) load(file);
  // A setting that does not fit its declaration is an operator's mistake to
  // fix before the host serves anything, as for the host's own settings.
  auto problems = context_.settings.problems();
  if (!problems.empty()) {
    std::string message = problems.front();
    for (std::size_t i = 1; i < problems.size(); ++i) message += "; " + problems[i];
    throw ConfigError(message);
  }
  checkRequired();
}

PluginRecord& PluginManager::load(const std::string& file) {
  auto& record = *records_.emplace_back(std::make_unique<PluginRecord>());
  record.file = file;
  record.name = std::filesystem::path(file).stem().string();

  std::string why;
  if (!enabled(record.name, why)) {
    record.state = PluginRecord::State::Disabled;
    record.reason = why;
    logger().information("plugin %s disabled (%s)", record.name, why);
    return record;
  }

  auto runtime = std::make_shared<PluginRecord::Runtime>();
  try {
    runtime->library.load(file, boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now);
  } catch (const std::exception& e) {
    refuse(record, std::string("cannot load the library: ") + e.what());
    return record;
  }
  record.runtime = runtime;
  if (auto reason = negotiate(record, *runtime); !reason.empty()) {
    refuse(record, reason);
    return record;
  }

  runtime->handle = makeHostHandle(record, context_, *this);
  orch::detail::StringSink message;
  record.initializing = true;
  orch_status status = ORCH_ERROR;
  try {
    status = runtime->descriptor.on_init(runtime->handle.get(), &hostApi(), &runtime->state, message.get());
  } catch (...) {
    message.text = "on_init threw an exception across the C boundary";
  }
  record.initializing = false;
  if (status != ORCH_OK) {
    // A conflict found while registering names itself in record.reason.
    refuse(record, record.reason.empty() ? "init failed: " + (message.text.empty() ? "status " + std::to_string(status)
                                                                                    : message.text)
                                         : record.reason);
    return record;
  }
  runtime->initialized = true;
  record.state = PluginRecord::State::Loaded;
  record.reason.clear();
  logger().information("plugin %s %s loaded from %s (ABI %s)", record.name, record.version, file,
                       versionText(record.abiMajor, record.abiMinor));
  return record;
}

void PluginManager::refuse(PluginRecord& record, const std::string& reason) {
  record.state = PluginRecord::State::Refused;
  record.reason = reason;
  record.initializing = false;
  context_.stepTypes.removeOwner(record.name);
  context_.frameworkAdapters.removeOwner(record.name);
  context_.services.removeOwner(record.name);
  context_.settings.removeOwner(record.name);
  context_.events.unsubscribeOwner(record.name);
  context_.scheduler.stopOwner(record.name);
  if (context_.authenticator && context_.authenticator->owner == record.name) context_.authenticator.reset();
  if (record.runtime && record.runtime->initialized && record.runtime->descriptor.on_shutdown)
    record.runtime->descriptor.on_shutdown(record.runtime->state);
  if (record.runtime) record.runtime->initialized = false;
  logger().error("plugin refused: %s: %s", record.file, reason);
}

void PluginManager::checkRequired() const {
  for (const auto& name : context_.config.getList("plugins.required")) {
    auto it = std::find_if(records_.begin(), records_.end(), [&](const auto& r) { return r->name == name; });
    if (it == records_.end()) throw RequiredPluginError("required plugin '" + name + "' was not found");
    if ((*it)->state != PluginRecord::State::Loaded)
      throw RequiredPluginError("required plugin '" + name + "' is " + PluginRecord::stateName((*it)->state) + ": " +
                                (*it)->reason);
  }
}

bool PluginManager::routeClaimed(const std::string& method, const std::string& pathTemplate) const {
  auto shape = Router::shapeOf(pathTemplate);
  for (const auto& record : records_) {
    if (record->state != PluginRecord::State::Loaded && !record->initializing) continue;
    for (const auto& route : record->routes)
      if (route->method == method && Router::shapeOf(route->pathTemplate) == shape) return true;
  }
  return false;
}

std::size_t PluginManager::applyMigrations() {
  std::vector<Migration> all;
  for (const auto& record : records_)
    if (record->state == PluginRecord::State::Loaded)
      all.insert(all.end(), record->migrations.begin(), record->migrations.end());
  return host::applyMigrations(*context_.storage, all);
}

void PluginManager::startAll() {
  for (const auto& record : records_) {
    if (record->state != PluginRecord::State::Loaded || !record->runtime->descriptor.on_start) continue;
    orch::detail::StringSink message;
    if (record->runtime->descriptor.on_start(record->runtime->state, message.get()) != ORCH_OK)
      refuse(*record, "start failed: " + message.text);
  }
  checkRequired();
}

void PluginManager::shutdownAll() {
  for (auto it = records_.rbegin(); it != records_.rend(); ++it) {
    auto& record = **it;
    if (record.state != PluginRecord::State::Loaded) continue;
    context_.scheduler.stopOwner(record.name);
    context_.events.unsubscribeOwner(record.name);
    // Nobody may call into a plugin whose on_shutdown frees its handlers.
    context_.services.removeOwner(record.name);
    if (record.runtime->descriptor.on_shutdown) record.runtime->descriptor.on_shutdown(record.runtime->state);
    record.runtime->initialized = false;
  }
}

std::vector<std::shared_ptr<Route>> PluginManager::acceptedRoutes() const {
  std::vector<std::shared_ptr<Route>> routes;
  for (const auto& record : records_)
    if (record->state == PluginRecord::State::Loaded)
      routes.insert(routes.end(), record->routes.begin(), record->routes.end());
  return routes;
}

std::size_t PluginManager::loadedCount() const {
  return std::count_if(records_.begin(), records_.end(),
                       [](const auto& r) { return r->state == PluginRecord::State::Loaded; });
}

} // namespace orch::host
