#include "Packages.h"

#include <orchestrator/services/agents.hpp>
#include <orchestrator/services/credentials.hpp>
#include <orchestrator/services/workflows.hpp>
#include <orchestrator/time.hpp>

namespace marketplace {
namespace {

namespace agents = orch::services::agents;
namespace credentials = orch::services::credentials;
namespace workflows = orch::services::workflows;

/// What the agents plugin computes from runs: no part of what travels.
json ownMetadata(json metadata) {
  if (!metadata.is_object()) return json::object();
  for (const char* computed : {"node_count", "execution_time", "average_duration_ms", "marketplace"}) metadata.erase(computed);
  return metadata;
}

/// The credential the principal has under `request`, or nullopt.
std::optional<credentials::Credential> resolved(const orch::Plugin& plugin, const credentials::ResolveRequest& request) {
  try {
    auto answer = plugin.callServiceIfServed(credentials::kService, credentials::kResolve, request.toJson());
    if (answer) return credentials::Credential::fromJson(*answer);
  } catch (const std::exception&) { // not found, expired: the same to a bundle
  }
  return std::nullopt;
}

} // namespace

json Packages::agent(const json& principal, const std::string& agentId) const {
  auto found = agents::findAgent(plugin_, principal, agentId);
  if (!found) throw orch::HttpError::notFound("Agent not found");
  return *found;
}

json Packages::exportAgent(const json& principal, const json& agent) const {
  if (agent["definition"].is_null())
    throw orch::HttpError::validation("definition", "The agent has no definition: there is nothing to package");
  auto framework = agent["framework"].get<std::string>();
  json workflowList = json::array();
  for (const auto& workflow : workflows::agentWorkflows(plugin_, principal, agent["id"].get<std::string>()))
    if (workflow["id"] != agent["workflow_id"])
      workflowList.push_back({{"name", workflow["name"]}, {"description", workflow["description"]},
                              {"definition", workflow["definition"]}});

  // Credentials by name: an id means nothing in another tenant, and a secret never leaves.
  auto refs = credentialsOf(agent["definition"]);
  for (const auto& workflow : workflowList) {
    auto more = credentialsOf(workflow["definition"]);
    refs.ids.insert(more.ids.begin(), more.ids.end());
    refs.names.insert(more.names.begin(), more.names.end());
  }
  std::map<std::string, std::string> names;
  std::map<std::string, json> needed; // name -> type
  for (const auto& id : refs.ids) {
    auto credential = resolved(plugin_, {.id = id, .principal = principal});
    if (!credential)
      throw orch::HttpError::validation("definition", "It names credential " + id + ", which is not one you can use");
    names[id] = credential->name;
    needed[credential->name] = credential->type;
  }
  for (const auto& name : refs.names) {
    auto credential = resolved(plugin_, {.principal = principal, .name = name});
    needed[name] = credential ? json(credential->type) : json();
  }
  for (auto& workflow : workflowList) workflow["definition"] = byCredentialName(workflow["definition"], names);
  auto definition = byCredentialName(agent["definition"], names);

  std::set<std::string> types = stepTypesOf(plugin_.compileDefinition(framework, definition));
  for (const auto& workflow : workflowList) {
    auto more = stepTypesOf(workflow["definition"]);
    types.insert(more.begin(), more.end());
  }
  json stepTypes = json::array();
  for (const auto& type : types) {
    auto description = plugin_.stepTypeDescription(type);
    stepTypes.push_back({{"type", type}, {"plugin", description ? (*description)["plugin"] : json()}});
  }
  json frameworkPlugin;
  for (const auto& adapter : plugin_.frameworks())
    if (adapter.value("framework", std::string()) == framework) frameworkPlugin = adapter["plugin"];
  json credentialList = json::array();
  for (const auto& [name, type] : needed) credentialList.push_back({{"name", name}, {"type", type}});

  json bundle = {{"agent", {{"name", agent["name"]},
                            {"description", agent["description"]},
                            {"role", agent["role"]},
                            {"framework", framework},
                            {"agent_type", agent["agent_type"]},
                            {"version", agent["version"]},
                            {"definition", definition},
                            {"resource_limits", agent["resource_limits"]},
                            {"metadata", ownMetadata(agent["metadata"])}}},
                 {"workflows", workflowList},
                 {"requires", {{"framework", {{"name", framework}, {"plugin", frameworkPlugin}}},
                               {"step_types", stepTypes},
                               {"credentials", credentialList}}},
                 {"source", {{"host_id", hostId_}, {"agent_id", agent["id"]}}},
                 {"exported_at", orch::nowRfc3339()}};
  return sign(bundle, key_);
}

void Packages::requireLoaded(const json& bundle) const {
  const auto needs = bundle.value("requires", json::object());
  auto framework = needs.value("framework", json::object());
  auto name = framework.value("name", bundle.value("agent", json::object()).value("framework", std::string()));
  bool adapter = false;
  for (const auto& loaded : plugin_.frameworks()) adapter = adapter || loaded.value("framework", std::string()) == name;
  auto pluginOf = [](const json& entry) {
    return entry.value("plugin", json()).is_string() ? entry["plugin"].get<std::string>() : std::string("unknown");
  };
  if (!adapter)
    throw orch::HttpError(409, "CONFLICT",
                          "The agent is a " + name + " definition, and the plugin '" + pluginOf(framework) +
                              "' whose adapter runs it is not loaded on this host",
                          {{"framework", name}, {"plugin", framework.value("plugin", json())}});
  for (const auto& stepType : needs.value("step_types", json::array())) {
    auto type = stepType.value("type", std::string());
    if (!plugin_.stepTypeDescription(type))
      throw orch::HttpError(409, "CONFLICT",
                            "The agent needs the step type '" + type + "' of the plugin '" + pluginOf(stepType) +
                                "', which is not loaded on this host",
                            {{"step_type", type}, {"plugin", stepType.value("plugin", json())}});
  }
}

json Packages::missingCredentials(const json& principal, const json& bundle) const {
  json missing = json::array();
  for (const auto& credential : bundle.value("requires", json::object()).value("credentials", json::array()))
    if (!resolved(plugin_, {.principal = principal, .name = credential.value("name", std::string())}))
      missing.push_back(credential);
  return missing;
}

json Packages::saveWorkflows(const json& principal, const json& agent, const json& bundle, json workflowIds) const {
  const auto& list = bundle.value("workflows", json::array());
  for (std::size_t i = 0; i < list.size(); ++i) {
    workflows::SaveGraphRequest save;
    save.principal = principal;
    auto key = std::to_string(i);
    if (workflowIds.contains(key)) save.workflowId = workflowIds[key].get<std::string>();
    save.name = list[i].value("name", std::string("Workflow"));
    save.description = list[i].value("description", json()).is_string() ? list[i]["description"].get<std::string>() : "";
    save.framework = "native";
    save.agentId = agent["id"];
    save.organizationId = agent["organization_id"];
    save.graph = list[i].value("definition", json::object());
    workflowIds[key] = workflows::saveGraph(plugin_, save).workflowId;
  }
  return workflowIds;
}

Packages::Installed Packages::install(const json& principal, const json& bundle, const json& organizationId,
                                      const json& metadata, const std::string& version) const {
  requireLoaded(bundle);
  auto body = bundle.value("agent", json::object());
  body.erase("version");
  auto own = ownMetadata(body.value("metadata", json::object()));
  own.update(metadata);
  body["metadata"] = own;
  body["status"] = "active";
  body["owner_type"] = organizationId.is_string() ? "organization" : "user";
  body["organization_id"] = organizationId;
  auto copy = agents::createAgent(plugin_, principal, body, version);
  try {
    auto ids = saveWorkflows(principal, copy, bundle, json::object());
    return {copy, ids, missingCredentials(principal, bundle)};
  } catch (...) {
    agents::removeAgent(plugin_, principal, copy["id"].get<std::string>()); // no half-installed copy
    throw;
  }
}

Packages::Installed Packages::upgrade(const json& principal, const json& agent, const json& bundle, json workflowIds,
                                      const json& metadata, const std::string& version) const {
  requireLoaded(bundle);
  const auto& source = bundle.value("agent", json::object());
  auto own = ownMetadata(agent["metadata"]);
  own.update(metadata);
  json changes = {{"definition", source.value("definition", json())}, {"metadata", own}};
  for (const char* field : {"description", "role", "resource_limits"})
    if (source.contains(field)) changes[field] = source[field];
  auto moved = agents::updateAgent(plugin_, principal, agent["id"].get<std::string>(), changes, version);
  auto ids = saveWorkflows(principal, moved, bundle, std::move(workflowIds));
  return {moved, ids, missingCredentials(principal, bundle)};
}

} // namespace marketplace
