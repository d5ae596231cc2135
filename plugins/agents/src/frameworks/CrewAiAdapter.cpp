#include "frameworks/CrewAiAdapter.h"
#include "frameworks/Personas.h"

#include <orchestrator/http.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>

#include <regex>
#include <set>

namespace agents::frameworks {
namespace {

using orch::HttpError;
using orch::json;

/// YAML as JSON, mappings in the order the file has them (the order tasks run in).
nlohmann::ordered_json fromYaml(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const auto& item : node) out[item.first.as<std::string>()] = fromYaml(item.second);
    return out;
  }
  if (node.IsSequence()) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& item : node) out.push_back(fromYaml(item));
    return out;
  }
  if (node.IsNull() || !node.IsDefined()) return nullptr;
  auto text = node.as<std::string>();
  // Folded and literal scalars (`role: >`) end with the line break YAML keeps.
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (node.Tag() == "!") return text; // quoted or folded: a string whatever it looks like
  if (text == "true" || text == "false") return text == "true";
  try {
    std::size_t used = 0;
    auto number = std::stod(text, &used);
    if (used == text.size()) return number == static_cast<std::int64_t>(number) && text.find('.') == std::string::npos
                                        ? nlohmann::ordered_json(static_cast<std::int64_t>(number))
                                        : nlohmann::ordered_json(number);
  } catch (const std::exception&) {
  }
  return text;
}

nlohmann::ordered_json yamlText(const json& text, const std::string& field) {
  if (!text.is_string()) throw HttpError::validation(field, "Must be the file's text");
  try {
    return fromYaml(YAML::Load(text.get<std::string>()));
  } catch (const YAML::Exception& e) {
    throw HttpError::validation(field, "Not YAML: " + std::string(e.what()));
  }
}

/// JSONC (JSON with // and /* */ comments, as crewai's JSON-first files are) as JSON.
json jsoncText(const json& value, const std::string& field) {
  if (value.is_object()) return value;
  if (!value.is_string()) throw HttpError::validation(field, "Must be an object, or the file's text");
  const auto& text = value.get_ref<const std::string&>();
  std::string out;
  bool inString = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) out += text[++i];
      else if (c == '"') inString = false;
    } else if (c == '"') {
      inString = true;
      out += c;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n') ++i;
      out += '\n';
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      auto end = text.find("*/", i + 2);
      i = end == std::string::npos ? text.size() : end + 1;
    } else {
      out += c;
    }
  }
  // A comma before a closing bracket, which JSONC allows.
  out = std::regex_replace(out, std::regex(R"(,(\s*[\]}]))"), "$1");
  auto parsed = json::parse(out, nullptr, false);
  if (!parsed.is_object()) throw HttpError::validation(field, "Not a JSON object (comments allowed)");
  return parsed;
}

std::string slug(const std::string& name) {
  std::string out;
  for (unsigned char c : name) out += std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '_';
  return out.empty() ? "task" : out;
}

/// The crew in one shape, whichever layout it came in: {crew: {agents,
/// tasks, process, manager_llm, manager_agent, name}, agents: {name: {...}}}.
json normalize(const json& definition) {
  if (!definition.is_object()) throw HttpError::validation("", "A crew is an object: agents_yaml and tasks_yaml, or crew and agents");
  json crew, agents = json::object();
  json tasks = json::array();
  if (definition.contains("crew")) { // JSON-first
    crew = jsoncText(definition["crew"], "crew");
    if (!crew.contains("tasks") || !crew["tasks"].is_array()) throw HttpError::validation("crew.tasks", "Must be an array of tasks");
    tasks = crew["tasks"];
    const auto& files = definition.value("agents", json::object());
    if (!files.is_object()) throw HttpError::validation("agents", "Must be an object: agents/<name>.jsonc by name");
    for (const auto& [name, file] : files.items()) agents[name] = jsoncText(file, "agents." + name);
  } else { // classic
    crew = json::object();
    for (const char* key : {"process", "manager_llm", "manager_agent", "name"})
      if (definition.contains(key)) crew[key] = definition[key];
    if (definition.contains("agents_yaml")) {
      auto parsed = yamlText(definition["agents_yaml"], "agents_yaml");
      if (!parsed.is_object()) throw HttpError::validation("agents_yaml", "Must map agent names to {role, goal, backstory}");
      agents = json::parse(parsed.dump());
    } else if (definition.contains("agents") && definition["agents"].is_object()) {
      agents = definition["agents"];
    } else {
      throw HttpError::validation("agents_yaml", "A crew needs its agents (agents.yaml's text)");
    }
    if (definition.contains("tasks_yaml")) {
      auto parsed = yamlText(definition["tasks_yaml"], "tasks_yaml");
      if (!parsed.is_object()) throw HttpError::validation("tasks_yaml", "Must map task names to {description, expected_output, agent}");
      for (const auto& [name, task] : parsed.items()) {
        auto entry = json::parse(task.dump());
        if (entry.is_object()) entry["name"] = name;
        tasks.push_back(entry);
      }
    } else if (definition.contains("tasks") && definition["tasks"].is_array()) {
      tasks = definition["tasks"];
    } else {
      throw HttpError::validation("tasks_yaml", definition.contains("tasks")
                                                    ? "Send tasks.yaml as text, or tasks as an array: an object loses their order"
                                                    : "A crew needs its tasks (tasks.yaml's text)");
    }
    // What CrewAI projects often set in crew.py rather than the YAML: a
    // task's agent (task_agents) and an agent's llm (the crew's llm).
    if (definition.contains("task_agents")) {
      if (!definition["task_agents"].is_object()) throw HttpError::validation("task_agents", "Must map task names to agent names");
      for (auto& task : tasks)
        if (task.is_object() && !task.contains("agent") && definition["task_agents"].contains(task.value("name", std::string())))
          task["agent"] = definition["task_agents"][task["name"].get<std::string>()];
    }
    if (definition.contains("llm"))
      for (auto& [name, agent] : agents.items())
        if (agent.is_object() && !agent.contains("llm")) agent["llm"] = definition["llm"];
  }
  auto process = crew.value("process", std::string("sequential"));
  if (process != "sequential" && process != "hierarchical")
    throw HttpError::validation(definition.contains("crew") ? "crew.process" : "process", "Must be sequential or hierarchical");
  crew["process"] = process;
  std::string agentsField = definition.contains("crew") ? "agents." : "agents_yaml.";
  for (const auto& [name, agent] : agents.items()) {
    if (!agent.is_object()) throw HttpError::validation(agentsField + name, "Must be {role, goal, backstory}");
    for (const char* key : {"role", "goal", "backstory"})
      if (!agent.contains(key) || !agent[key].is_string() || agent[key].get<std::string>().empty())
        throw HttpError::validation(agentsField + name + "." + key, std::string("Agent '") + name + "' needs its " + key);
    json probe;
    applyModel(agent.value("llm", json()), probe, agentsField + name + ".llm");
    const auto& tools = agent.value("tools", json::array());
    if (!tools.is_array()) throw HttpError::validation(agentsField + name + ".tools", "Must be an array of step types");
    for (std::size_t i = 0; i < tools.size(); ++i)
      if (!tools[i].is_string() || isPythonTool(tools[i].get<std::string>()))
        throw HttpError::validation(agentsField + name + ".tools[" + std::to_string(i) + "]",
                                    "'" + (tools[i].is_string() ? tools[i].get<std::string>() : tools[i].dump()) +
                                        "' is a CrewAI (Python) tool, which cannot run here; name a step type (api_call, email, ...)");
  }
  std::set<std::string> earlier;
  std::string tasksField = definition.contains("crew") ? "crew.tasks" : (definition.contains("tasks_yaml") ? "tasks_yaml" : "tasks");
  if (tasks.empty()) throw HttpError::validation(tasksField, "A crew needs at least one task");
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    auto& task = tasks[i];
    auto field = tasksField + "[" + std::to_string(i) + "]";
    if (!task.is_object() || !task.contains("name") || !task["name"].is_string()) throw HttpError::validation(field + ".name", "Every task needs a name");
    auto name = task["name"].get<std::string>();
    if (tasksField == "tasks_yaml") field = "tasks_yaml." + name;
    for (const char* key : {"description", "expected_output"})
      if (!task.contains(key) || !task[key].is_string()) throw HttpError::validation(field + "." + key, "Task '" + name + "' needs its " + key);
    auto agent = task.value("agent", json());
    if (agent.is_null() && process == "sequential")
      throw HttpError::validation(field + ".agent", "Task '" + name + "' needs the agent that does it (a sequential crew): "
                                                    "give it `agent`, or name it in task_agents as crew.py does");
    if (!agent.is_null() && (!agent.is_string() || !agents.contains(agent.get<std::string>())))
      throw HttpError::validation(field + ".agent", "Task '" + name + "' names no agent of the crew");
    for (const auto& context : task.value("context", json::array()))
      if (!context.is_string() || !earlier.count(context.get<std::string>()))
        throw HttpError::validation(field + ".context", "Task '" + name + "' takes context only from tasks before it");
    if (!earlier.insert(name).second) throw HttpError::validation(field + ".name", "Two tasks are named '" + name + "'");
  }
  crew["tasks"] = tasks;
  json names = json::array();
  for (const auto& [name, agent] : agents.items()) names.push_back(name);
  crew["agents"] = names;
  if (process == "hierarchical" && crew.contains("manager_agent") &&
      (!crew["manager_agent"].is_string() || !agents.contains(crew["manager_agent"].get<std::string>())))
    throw HttpError::validation("manager_agent", "Must name an agent of the crew's agent files");
  return {{"crew", crew}, {"agents", agents}};
}

/// {placeholders} of CrewAI's text as the run's input.
std::string filled(const std::string& text) {
  static const std::regex placeholder(R"(\{([A-Za-z_][A-Za-z0-9_]*)\})");
  return std::regex_replace(text, placeholder, "{{input.$1}}");
}

std::string persona(const json& agent) {
  return "You are " + agent["role"].get<std::string>() + ". " + agent["backstory"].get<std::string>() +
         "\nYour personal goal is: " + agent["goal"].get<std::string>();
}

json agentConfig(const json& agent) {
  json config = {{"instructions", filled(persona(agent))}, {"tools", agent.value("tools", json::array())}};
  applyModel(agent.value("llm", json()), config, "llm");
  if (agent.contains("max_iter") && agent["max_iter"].is_number_integer())
    config["max_iterations"] = std::clamp<std::int64_t>(agent["max_iter"].get<std::int64_t>(), 1, 100);
  return config;
}

std::string taskText(const json& task) {
  return filled(task["description"].get<std::string>()) + "\n\nExpected output: " + filled(task["expected_output"].get<std::string>());
}

json compile(const json& definition) {
  auto crew = normalize(definition);
  const auto& agents = crew["agents"];
  const auto& tasks = crew["crew"]["tasks"];
  json nodes = json::array({startKeeping(crew)});
  json edges = json::array();
  if (crew["crew"]["process"] == "hierarchical") {
    // One manager that delegates: the crew's agents are its tools.
    json tools = json::array();
    for (const auto& [name, agent] : agents.items())
      tools.push_back(delegateTo(slug(name), "Delegate work to the " + agent["role"].get<std::string>() + ": " +
                                                 agent["goal"].get<std::string>(), agentConfig(agent)));
    std::string work = "Complete these tasks with your crew, delegating each to the coworker best suited, then answer with the final result.";
    for (std::size_t i = 0; i < tasks.size(); ++i) work += "\n\n" + std::to_string(i + 1) + ". " + taskText(tasks[i]);
    json manager = {{"prompt", work}, {"tools", tools}, {"max_iterations", std::min<std::size_t>(100, 2 * tasks.size() + 2)}};
    const auto& crewSettings = crew["crew"];
    if (crewSettings.contains("manager_agent")) {
      auto own = agentConfig(agents[crewSettings["manager_agent"].get<std::string>()]);
      manager["instructions"] = own["instructions"];
      for (const char* key : {"model", "provider"})
        if (own.contains(key)) manager[key] = own[key];
    } else {
      manager["instructions"] = "You are the manager of a crew: plan, delegate each task to a coworker, check the work, and answer.";
    }
    applyModel(crewSettings.value("manager_llm", json()), manager, "manager_llm");
    nodes.push_back({{"id", "manager"}, {"type", "tool_loop"}, {"name", "Crew manager"}, {"data", manager}});
    edges.push_back({{"id", "e1"}, {"source", "start"}, {"target", "manager"}});
    return {{"nodes", nodes}, {"edges", edges}};
  }
  std::string previous;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const auto& task = tasks[i];
    auto id = slug(task["name"].get<std::string>());
    auto config = agentConfig(agents[task["agent"].get<std::string>()]);
    auto prompt = taskText(task);
    // Sequential: a task sees the output of the one before unless it names its context.
    json context = task.contains("context") ? task["context"] : (previous.empty() ? json::array() : json::array({previous}));
    if (!context.empty()) {
      prompt += "\n\nThis is the context you're working with:";
      for (const auto& from : context) prompt += "\n{{steps." + slug(from.get<std::string>()) + ".output.response}}";
    }
    config["prompt"] = prompt;
    nodes.push_back({{"id", id}, {"type", "tool_loop"}, {"name", task["name"]}, {"data", config}});
    edges.push_back({{"id", "e" + std::to_string(i + 1)}, {"source", previous.empty() ? "start" : slug(previous)}, {"target", id}});
    previous = task["name"].get<std::string>();
  }
  return {{"nodes", nodes}, {"edges", edges}};
}

json exportGraph(const json& graph) { return keptDefinition(graph, "CrewAI"); }

} // namespace

orch::FrameworkAdapter crewAiAdapter() {
  return {.validate = [](const json& definition) { normalize(definition); }, .compile = compile, .exportGraph = exportGraph};
}

} // namespace agents::frameworks
