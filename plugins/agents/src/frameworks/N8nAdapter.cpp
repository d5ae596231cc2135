#include "N8nAdapter.h"

#include <orchestrator/http.hpp>

#include <cctype>
#include <map>
#include <optional>
#include <regex>
#include <set>

namespace agents::frameworks {
namespace {

using orch::HttpError;
using orch::json;

/// n8n's type names without their package ("n8n-nodes-base.httpRequest" -> "httpRequest").
std::string shortType(const std::string& type) {
  auto dot = type.rfind('.');
  return dot == std::string::npos ? type : type.substr(dot + 1);
}

bool isTrigger(const std::string& type) {
  static const std::set<std::string> triggers = {"manualTrigger", "webhook", "scheduleTrigger", "formTrigger",
                                                 "executeWorkflowTrigger", "chatTrigger", "cron", "start"};
  auto name = shortType(type);
  return triggers.count(name) > 0 || (name.size() > 7 && name.substr(name.size() - 7) == "Trigger");
}

/// A step id from a node's name: "When clicking 'Test workflow'" -> "when_clicking_test_workflow".
std::string slug(const std::string& name) {
  std::string id;
  for (unsigned char c : name) {
    if (std::isalnum(c)) id += static_cast<char>(std::tolower(c));
    else if (!id.empty() && id.back() != '_') id += '_';
  }
  while (!id.empty() && id.back() == '_') id.pop_back();
  return id.empty() ? "node" : id;
}

/// One n8n workflow being compiled: its nodes by name, their step ids, and
/// the node each one reads `$json` from (its first main input).
class Compilation {
public:
  explicit Compilation(const json& workflow) : workflow_(workflow) {
    const auto& nodes = workflow["nodes"];
    std::set<std::string> taken;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      auto field = "nodes[" + std::to_string(i) + "]";
      const auto& node = nodes[i];
      if (!node.is_object() || !node.contains("name") || !node["name"].is_string())
        throw HttpError::validation(field + ".name", "Every node needs its name");
      if (!node.contains("type") || !node["type"].is_string()) throw HttpError::validation(field + ".type", "Every node needs its type");
      auto name = node["name"].get<std::string>();
      if (shortType(node["type"].get<std::string>()) == "stickyNote") continue;
      if (index_.count(name)) throw HttpError::validation(field + ".name", "Two nodes are named '" + name + "'");
      auto id = slug(name);
      while (!taken.insert(id).second) id += "_";
      index_[name] = i;
      ids_[name] = id;
    }
    if (workflow.contains("connections") && !workflow["connections"].is_object())
      throw HttpError::validation("connections", "Must be an object of node name -> outputs");
    const json connections = workflow.value("connections", json::object()); // items() must not outlive a temporary
    for (const auto& [source, outputs] : connections.items()) {
      if (!ids_.count(source)) throw HttpError::validation("connections." + source, "No node is named '" + source + "'");
      if (!outputs.is_object()) throw HttpError::validation("connections." + source, "Must be an object of connection types");
      for (const auto& [kind, list] : outputs.items()) {
        if (kind.rfind("ai_", 0) == 0) { // a sub-node (model, tool, memory) of an AI Agent
          for (const auto& output : list.is_array() ? list : json::array())
            for (const auto& target : output.is_array() ? output : json::array()) {
              auto to = target.value("node", std::string());
              if (!ids_.count(to)) throw HttpError::validation("connections." + source + "." + kind, "No node is named '" + to + "'");
              attached_[to][kind].push_back(source);
              subNodes_.insert(source);
            }
          continue;
        }
        if (kind != "main") continue;
        if (!list.is_array()) throw HttpError::validation("connections." + source + ".main", "Must be an array of outputs");
        for (std::size_t output = 0; output < list.size(); ++output)
          for (const auto& target : list[output].is_array() ? list[output] : json::array()) {
            auto to = target.value("node", std::string());
            if (!ids_.count(to))
              throw HttpError::validation("connections." + source + ".main[" + std::to_string(output) + "]",
                                          "No node is named '" + to + "'");
            links_.push_back({source, to, output});
            if (!before_.count(to)) before_[to] = source;
          }
      }
    }
  }

  json compile() {
    json nodes = json::array(), edges = json::array();
    for (const auto& [name, i] : byPosition())
      if (!subNodes_.count(name)) nodes.push_back(step(workflow_["nodes"][i], i)); // sub-nodes live in their agent
    std::size_t n = 0;
    for (const auto& link : links_) {
      json edge = {{"id", "e" + std::to_string(++n)}, {"source", ids_[link.source]}, {"target", ids_[link.target]}};
      auto sourceType = shortType(node(link.source)["type"].get<std::string>());
      // With onError continueErrorOutput the node has one output more, after its own, for its failures.
      bool errorOutput = node(link.source).value("onError", std::string()) == "continueErrorOutput";
      if (errorOutput && link.output == regularOutputs(link.source))
        edge["condition"] = {{"on", "error"}, {"output", link.output}};
      else if (sourceType == "if") edge["condition"] = {{"branch", link.output == 0 ? "true" : "false"}};
      else if (sourceType == "switch") // the output's number too, for the export
        edge["condition"] = {{"expression", switchCondition(link.source, link.output)}, {"output", link.output}};
      else if (errorOutput) edge["condition"] = {{"on", "success"}, {"output", link.output}};
      edges.push_back(edge);
    }
    return {{"nodes", nodes}, {"edges", edges}};
  }

private:
  struct Link {
    std::string source, target;
    std::size_t output;
  };

  const json& node(const std::string& name) const { return workflow_["nodes"][index_.at(name)]; }

  /// The credential a node logs in with, by the name n8n gives it (its id is
  /// n8n's, not ours): the step resolves the caller's credential of that name
  /// when it runs. None when the node sends no login (authentication "none").
  static std::optional<std::string> credentialName(const json& node, const json& parameters) {
    auto authentication = parameters.value("authentication", std::string("none"));
    if (authentication == "none") return std::nullopt;
    const auto credentials = node.value("credentials", json::object());
    // The kind the node logs in with, when it says (it may keep references to others it used before).
    auto kind = parameters.value(authentication == "genericCredentialType" ? "genericAuthType" : "nodeCredentialType", std::string());
    auto named = [](const json& reference) -> std::optional<std::string> {
      if (reference.is_object() && reference.value("name", json()).is_string()) return reference["name"].get<std::string>();
      return std::nullopt;
    };
    if (!kind.empty() && credentials.contains(kind)) return named(credentials[kind]);
    for (const auto& [ignored, reference] : credentials.items())
      if (auto name = named(reference)) return name;
    return std::nullopt;
  }

  /// How many outputs a node has of its own (before an error output).
  std::size_t regularOutputs(const std::string& name) const {
    const auto& n = node(name);
    auto type = shortType(n["type"].get<std::string>());
    if (type == "if") return 2;
    if (type != "switch") return 1;
    const auto parameters = n.value("parameters", json::object());
    auto rules = parameters.value("rules", json::object()).value("values", json::array()).size();
    return rules + (parameters.value("options", json::object()).value("fallbackOutput", json("none")) == "extra" ? 1 : 0);
  }

  bool passesItemsOn(const std::string& name) const {
    auto type = shortType(node(name)["type"].get<std::string>());
    return type == "switch" || type == "noOp";
  }

  /// When output `output` of a Switch (rules mode) is taken: its rule holds
  /// and no rule before it does (n8n sends an item to the first match, or to
  /// every match with allMatchingOutputs); the extra fallback output when none does.
  std::string switchCondition(const std::string& name, std::size_t output) const {
    auto index = index_.at(name);
    auto at = "nodes[" + std::to_string(index) + "].parameters";
    const auto& parameters = node(name).value("parameters", json::object());
    if (parameters.value("mode", std::string("rules")) != "rules")
      throw HttpError::validation(at + ".mode", "Node '" + name + "': a Switch that picks its output by an expression runs code");
    const auto& rules = parameters.value("rules", json::object()).value("values", json::array());
    std::vector<std::string> conditions;
    for (std::size_t i = 0; i < rules.size(); ++i)
      conditions.push_back(ifExpression(name, {{"conditions", rules[i].value("conditions", json::object())}},
                                        at + ".rules.values[" + std::to_string(i) + "]"));
    const auto& options = parameters.value("options", json::object());
    auto none = [&](std::size_t upTo) {
      std::string out;
      for (std::size_t i = 0; i < upTo; ++i) out += (out.empty() ? "" : " && ") + std::string("!(") + conditions[i] + ")";
      return out;
    };
    if (output < conditions.size()) {
      if (options.value("allMatchingOutputs", false) == true || output == 0) return conditions[output];
      return "(" + conditions[output] + ") && " + none(output);
    }
    if (output == conditions.size() && options.value("fallbackOutput", json("none")) == "extra" && !conditions.empty())
      return none(conditions.size());
    throw HttpError::validation(at + ".rules", "Node '" + name + "' has no rule for its output " + std::to_string(output));
  }

  std::vector<std::pair<std::string, std::size_t>> byPosition() const {
    std::vector<std::pair<std::string, std::size_t>> order(index_.begin(), index_.end());
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    return order;
  }

  /// A placeholder for one n8n expression body (what is inside {{ }}), or a
  /// 422: only paths are read, never code.
  std::string placeholder(const std::string& nodeName, std::string body, const std::string& field) const {
    static const std::regex json(R"(^\$json((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*)$)");
    static const std::regex input(R"(^\$input\.(?:item|first\(\)|last\(\))\.json((?:\.[A-Za-z_][A-Za-z0-9_]*)*)$)");
    static const std::regex named(R"(^\$\(['"]([^'"]+)['"]\)\.(?:item|first\(\)|last\(\))\.json((?:\.[A-Za-z_][A-Za-z0-9_]*)*)$)");
    auto trimmed = std::regex_replace(body, std::regex(R"(^\s+|\s+$)"), "");
    std::smatch m;
    auto path = [](std::string p) { return std::regex_replace(p, std::regex(R"(\[(\d+)\])"), ".$1"); };
    auto from = [&](std::string source, const std::string& rest) {
      // A Switch or No Operation hands its input on unchanged: read where it came from.
      while (!source.empty() && passesItemsOn(source)) source = before_.count(source) ? before_.at(source) : std::string();
      if (source.empty() || isTrigger(node(source)["type"].get<std::string>())) return "{{input" + path(rest) + "}}";
      return "{{steps." + ids_.at(source) + ".output" + path(rest) + "}}";
    };
    auto before = before_.count(nodeName) ? before_.at(nodeName) : std::string();
    if (std::regex_match(trimmed, m, json) || std::regex_match(trimmed, m, input)) return from(before, m[1]);
    if (std::regex_match(trimmed, m, named)) {
      if (!ids_.count(m[1])) throw HttpError::validation(field, "The expression reads node '" + m[1].str() + "', which is not in the workflow");
      return from(m[1], m[2]);
    }
    throw HttpError::validation(field, "Node '" + nodeName + "': the expression {{ " + trimmed +
                                           " }} needs code to evaluate; only $json.x, $input.item.json.x and "
                                           "$('Node').item.json.x are read");
  }

  /// A parameter value with its expressions ("=..." strings) made placeholders.
  json value(const std::string& nodeName, const json& v, const std::string& field) const {
    if (v.is_object() || v.is_array()) {
      json out = v;
      for (auto& [key, item] : out.items()) item = value(nodeName, item, field + "." + key);
      return out;
    }
    if (!v.is_string() || v.get<std::string>().rfind("=", 0) != 0) return v;
    auto text = v.get<std::string>().substr(1);
    std::string out;
    std::size_t at = 0;
    while (true) {
      auto open = text.find("{{", at);
      if (open == std::string::npos) break;
      auto close = text.find("}}", open);
      if (close == std::string::npos) throw HttpError::validation(field, "An expression's {{ is never closed");
      out += text.substr(at, open - at) + placeholder(nodeName, text.substr(open + 2, close - open - 2), field);
      at = close + 2;
    }
    return out + text.substr(at);
  }

  /// A condition operand for the expression language: a placeholder's path,
  /// or a literal.
  std::string operand(const std::string& nodeName, const json& v, const std::string& field) const {
    auto filled = value(nodeName, v, field);
    if (filled.is_string()) {
      auto text = filled.get<std::string>();
      if (text.rfind("{{", 0) == 0 && text.size() > 4 && text.substr(text.size() - 2) == "}}" &&
          text.find("{{", 2) == std::string::npos)
        return text.substr(2, text.size() - 4);
      std::string quoted = "'";
      for (char c : text) quoted += c == '\'' ? std::string("\\'") : std::string(1, c);
      return quoted + "'";
    }
    return filled.dump();
  }

  std::string ifExpression(const std::string& name, const json& parameters, const std::string& field) const {
    static const std::map<std::string, std::string> ops = {
        {"equals", "=="}, {"equal", "=="}, {"notEquals", "!="}, {"notEqual", "!="}, {"gt", ">"}, {"larger", ">"},
        {"gte", ">="}, {"largerEqual", ">="}, {"lt", "<"}, {"smaller", "<"}, {"lte", "<="}, {"smallerEqual", "<="},
        {"contains", "contains"}};
    std::vector<std::string> parts;
    auto add = [&](const json& left, const std::string& operation, const json& right, const std::string& at) {
      auto l = operand(name, left, at + ".leftValue");
      if (operation == "true") return parts.push_back("(" + l + " == true)");
      if (operation == "false") return parts.push_back("(" + l + " == false)");
      if (operation == "exists") return parts.push_back("(" + l + " != null)");
      if (operation == "notExists") return parts.push_back("(" + l + " == null)");
      if (operation == "empty" || operation == "isEmpty") return parts.push_back("(" + l + " == '')");
      if (operation == "notContains") return parts.push_back("!(" + l + " contains " + operand(name, right, at + ".rightValue") + ")");
      auto op = ops.find(operation);
      if (op == ops.end()) throw HttpError::validation(at + ".operator", "Node '" + name + "': the IF operation '" + operation + "' is not supported");
      parts.push_back("(" + l + " " + op->second + " " + operand(name, right, at + ".rightValue") + ")");
    };
    std::string joiner = " && ";
    if (parameters.contains("conditions") && parameters["conditions"].contains("conditions")) { // typeVersion 2
      const auto& all = parameters["conditions"]["conditions"];
      for (std::size_t i = 0; i < all.size(); ++i)
        add(all[i].value("leftValue", json()), all[i].value("operator", json::object()).value("operation", std::string()),
            all[i].value("rightValue", json()), field + ".conditions.conditions[" + std::to_string(i) + "]");
      if (parameters["conditions"].value("combinator", std::string("and")) == "or") joiner = " || ";
    } else if (parameters.contains("conditions")) { // typeVersion 1: {number|string|boolean: [{value1, operation, value2}]}
      for (const auto& [kind, list] : parameters["conditions"].items())
        for (std::size_t i = 0; i < list.size(); ++i)
          add(list[i].value("value1", json()), list[i].value("operation", std::string("equal")), list[i].value("value2", json()),
              field + ".conditions." + kind + "[" + std::to_string(i) + "]");
      if (parameters.value("combineOperation", std::string("all")) == "any") joiner = " || ";
    }
    if (parts.empty()) throw HttpError::validation(field + ".conditions", "Node '" + name + "': an IF node needs a condition");
    std::string expression;
    for (const auto& part : parts) expression += (expression.empty() ? "" : joiner) + part;
    return expression;
  }

  json step(const json& n8nNode, std::size_t i) const {
    auto field = "nodes[" + std::to_string(i) + "]";
    auto name = n8nNode["name"].get<std::string>();
    auto fullType = n8nNode["type"].get<std::string>();
    auto type = shortType(fullType);
    auto parameters = n8nNode.value("parameters", json::object());
    auto at = field + ".parameters";
    auto before = before_.count(name) ? before_.at(name) : std::string();
    auto passOn = [&] { return json{{"mapping", {{"result", before.empty() ? "{{input}}" : "{{steps." + ids_.at(before) + ".output}}"}}}}; };
    std::string stepType;
    json config, subNodes = json::array();
    if (isTrigger(fullType)) {
      stepType = "start";
    } else if (type == "httpRequest") {
      stepType = "api_call";
      config = {{"url", value(name, parameters.value("url", json("")), at + ".url")},
                {"method", parameters.value("method", std::string("GET"))}};
      auto pairs = [&](const char* key, const std::string& where) {
        json out = json::object();
        if (parameters.contains(key))
          for (const auto& p : parameters[key].value("parameters", json::array()))
            out[p.value("name", std::string())] = value(name, p.value("value", json("")), at + "." + where);
        return out;
      };
      if (auto login = credentialName(n8nNode, parameters)) config["credential_name"] = *login;
      if (parameters.value("sendHeaders", false)) config["headers"] = pairs("headerParameters", "headerParameters");
      if (parameters.value("sendBody", false))
        config["body"] = parameters.contains("jsonBody") ? value(name, parameters["jsonBody"], at + ".jsonBody")
                                                         : pairs("bodyParameters", "bodyParameters");
    } else if (type == "set") {
      stepType = "transform";
      json mapping = json::object();
      if (parameters.contains("assignments")) // typeVersion 3.3+
        for (const auto& a : parameters["assignments"].value("assignments", json::array()))
          mapping[a.value("name", std::string())] = value(name, a.value("value", json()), at + ".assignments." + a.value("name", std::string()));
      const json values = parameters.value("values", json::object()); // typeVersion 1-2
      for (const auto& [kind, list] : values.items())
        for (const auto& a : list) mapping[a.value("name", std::string())] = value(name, a.value("value", json()), at + ".values." + kind);
      config = {{"mapping", mapping}};
    } else if (type == "if") {
      stepType = "condition";
      config = {{"expression", ifExpression(name, parameters, at)}};
    } else if (type == "wait" && parameters.value("resume", std::string("timeInterval")) != "timeInterval") {
      // Resumed by a webhook call or a form in n8n: here by a person's decision
      // through POST executions/{id}/resume, as long as n8n's limit if it set one.
      stepType = "approval";
      config = {{"message", "Resume the n8n Wait node '" + name + "'"}};
      if (parameters.value("limitWaitTime", false) && parameters.value("limitType", std::string()) == "afterTimeInterval") {
        static const std::map<std::string, double> units = {{"seconds", 1}, {"minutes", 60}, {"hours", 3600}, {"days", 86400}};
        auto unit = units.find(parameters.value("resumeUnit", std::string("hours")));
        auto amount = parameters.value("resumeAmount", json(1));
        if (unit != units.end() && amount.is_number()) config["timeout_seconds"] = amount.get<double>() * unit->second;
      }
    } else if (type == "wait") {
      static const std::map<std::string, double> units = {{"seconds", 1}, {"minutes", 60}, {"hours", 3600}, {"days", 86400}};
      auto unit = units.find(parameters.value("unit", std::string("seconds")));
      if (unit == units.end()) throw HttpError::validation(at + ".unit", "Must be seconds, minutes, hours or days");
      auto amount = parameters.value("amount", json(1));
      if (!amount.is_number()) throw HttpError::validation(at + ".amount", "Node '" + name + "': the wait must be a number");
      stepType = "delay";
      config = {{"seconds", amount.get<double>() * unit->second}};
    } else if (type == "emailSend") {
      stepType = "email";
      config = {{"to", value(name, parameters.value("toEmail", json("")), at + ".toEmail")},
                {"subject", value(name, parameters.value("subject", json("")), at + ".subject")},
                {"body", value(name, parameters.value("text", parameters.value("html", json(""))), at + ".text")}};
      if (parameters.contains("fromEmail")) config["from"] = value(name, parameters["fromEmail"], at + ".fromEmail");
      if (auto login = credentialName(n8nNode, {{"authentication", "smtp"}})) config["credential_name"] = *login;
    } else if (type == "openAi" || type == "lmChatOpenAi") {
      stepType = "ai_prompt";
      json prompt = parameters.value("prompt", parameters.value("text", json()));
      if (prompt.is_null() && parameters.contains("messages"))
        for (const auto& m : parameters["messages"].value("values", json::array())) prompt = m.value("content", json());
      if (!prompt.is_string() || prompt.get<std::string>().empty())
        throw HttpError::validation(at + ".prompt", "Node '" + name + "': an OpenAI node needs its prompt or messages");
      config = {{"prompt", value(name, prompt, at + ".prompt")}};
      auto model = parameters.value("modelId", parameters.value("model", json()));
      if (model.is_object()) model = model.value("value", json());
      if (model.is_string() && !model.get<std::string>().empty()) config["model"] = model;
    } else if (type == "switch") {
      stepType = "transform"; // its outgoing edges carry the rules (switchCondition)
      config = passOn();
      for (std::size_t output = 0; output < parameters.value("rules", json::object()).value("values", json::array()).size(); ++output)
        switchCondition(name, output); // a bad rule is named now, not when an edge is drawn
    } else if (type == "merge" || type == "noOp" || type == "respondToWebhook") {
      stepType = "transform";
      config = type == "respondToWebhook" && parameters.contains("responseBody")
                   ? json{{"mapping", {{"response", value(name, parameters["responseBody"], at + ".responseBody")}}}}
                   : passOn();
    } else if (type == "code" || type == "function" || type == "functionItem") {
      throw HttpError::validation(field + ".type", "Node '" + name + "' (" + fullType + ") runs code, which is never evaluated here");
    } else if (type == "agent") {
      stepType = "tool_loop";
      config = agentConfig(name, parameters, at, subNodes);
    } else {
      throw HttpError::validation(field + ".type", "Node '" + name + "' has the type " + fullType + ", which cannot run here");
    }
    // n8n's "Retry On Fail": maxTries attempts in all (3 unless set), waitBetweenTries ms apart (1000).
    if (n8nNode.value("retryOnFail", false) == true) {
      auto tries = n8nNode.value("maxTries", json(3));
      auto wait = n8nNode.value("waitBetweenTries", json(1000));
      if (!tries.is_number_integer() || tries.get<int>() < 1 || tries.get<int>() > 11)
        throw HttpError::validation(field + ".maxTries", "Node '" + name + "': maxTries must be a whole number from 1 to 11");
      if (!wait.is_number() || wait.get<double>() < 0)
        throw HttpError::validation(field + ".waitBetweenTries", "Node '" + name + "': waitBetweenTries must be milliseconds");
      config["retry_count"] = tries.get<int>() - 1;
      if (wait.get<double>() > 0) config["retry_delay"] = wait.get<double>() / 1000.0;
    }
    // n8n's "On Error": stop the workflow (its default), or go on with the
    // error as the node's output, down its regular output or an error output of its own.
    auto onError = n8nNode.value("onError", json(n8nNode.value("continueOnFail", false) == true ? "continueRegularOutput" : "stopWorkflow"));
    if (onError == "continueRegularOutput" || onError == "continueErrorOutput") config["on_error"] = "continue";
    else if (onError != "stopWorkflow")
      throw HttpError::validation(field + ".onError", "Node '" + name + "': onError must be stopWorkflow, continueRegularOutput or continueErrorOutput");
    // The node as n8n wrote it, so an export gives it back unchanged.
    json original = {{"type", fullType}, {"typeVersion", n8nNode.value("typeVersion", json(1))}, {"parameters", parameters}};
    for (const char* kept : {"position", "retryOnFail", "maxTries", "waitBetweenTries", "onError", "continueOnFail", "credentials"})
      if (n8nNode.contains(kept)) original[kept] = n8nNode[kept];
    if (!subNodes.empty()) original["sub_nodes"] = subNodes;
    config[orch::kStepSourceKey] = original;
    return {{"id", ids_.at(name)}, {"name", name}, {"type", stepType}, {"data", config}};
  }

  /// An AI Agent node and its sub-nodes as a tool_loop: the ai_languageModel
  /// gives the model, each ai_tool a tool, ai_memory the conversation (kept
  /// for the run: each execution starts a new one).
  json agentConfig(const std::string& name, const json& parameters, const std::string& at, json& subNodes) const {
    auto attached = attached_.count(name) ? attached_.at(name) : std::map<std::string, std::vector<std::string>>();
    auto keep = [&](const std::string& sub, const std::string& kind) {
      const auto& original = node(sub);
      json kept = {{"name", sub}, {"kind", kind}, {"type", original["type"]},
                   {"typeVersion", original.value("typeVersion", json(1))}, {"parameters", original.value("parameters", json::object())}};
      for (const char* extra : {"position", "credentials"})
        if (original.contains(extra)) kept[extra] = original[extra];
      subNodes.push_back(kept);
      return original;
    };
    const auto& models = attached["ai_languageModel"];
    if (models.empty())
      throw HttpError::validation(at, "Node '" + name + "' (AI Agent) needs a chat model attached through ai_languageModel");
    json config = json::object();
    auto model = keep(models.front(), "ai_languageModel");
    auto modelType = shortType(model["type"].get<std::string>());
    static const std::map<std::string, std::string> providers = {
        {"lmChatOpenAi", "openai"}, {"lmChatAnthropic", "anthropic"}, {"lmChatGoogleGemini", "google"}};
    if (auto provider = providers.find(modelType); provider != providers.end()) config["provider"] = provider->second;
    auto chosen = model.value("parameters", json::object()).value("model", json());
    if (chosen.is_object()) chosen = chosen.value("value", json());
    if (chosen.is_string() && !chosen.get<std::string>().empty()) config["model"] = chosen;
    // promptType "define" takes `text`; "auto" (n8n's default) the chat trigger's message.
    auto prompt = parameters.value("promptType", std::string("auto")) == "define" || parameters.contains("text")
                      ? parameters.value("text", json(""))
                      : json("={{ $json.chatInput }}");
    config["prompt"] = value(name, prompt, at + ".text");
    const json options = parameters.value("options", json::object());
    if (options.contains("systemMessage")) config["instructions"] = value(name, options["systemMessage"], at + ".options.systemMessage");
    config["max_iterations"] = options.value("maxIterations", 10);
    json tools = json::array();
    for (const auto& sub : attached["ai_tool"]) {
      auto tool = keep(sub, "ai_tool");
      auto toolType = shortType(tool["type"].get<std::string>());
      auto toolParameters = tool.value("parameters", json::object());
      if (toolType != "toolHttpRequest" && toolType != "httpRequestTool")
        throw HttpError::validation("nodes[" + std::to_string(index_.at(sub)) + "].type",
                                    "Node '" + sub + "' (" + tool["type"].get<std::string>() + ") is a tool of '" + name +
                                        "' that cannot run here (HTTP Request tools can)");
      json fixed = {{"method", toolParameters.value("method", std::string("GET"))}};
      if (auto login = credentialName(tool, toolParameters)) fixed["credential_name"] = *login;
      auto url = toolParameters.value("url", std::string());
      if (!url.empty() && url.find('{') == std::string::npos) fixed["url"] = url; // "{city}": the model fills it
      tools.push_back({{"type", "api_call"}, {"name", ids_.at(sub)},
                       {"description", toolParameters.value("toolDescription", toolParameters.value("description", sub))},
                       {"config", fixed}});
    }
    config["tools"] = tools;
    for (const auto& sub : attached["ai_memory"]) keep(sub, "ai_memory");
    return config;
  }

  const json& workflow_;
  std::map<std::string, std::map<std::string, std::vector<std::string>>> attached_; ///< agent -> kind -> sub-nodes
  std::set<std::string> subNodes_;
  std::map<std::string, std::size_t> index_;
  std::map<std::string, std::string> ids_, before_;
  std::vector<Link> links_;
};

void checkShape(const json& workflow) {
  if (!workflow.is_object()) throw HttpError::validation("", "An n8n workflow is an object {nodes, connections}");
  if (!workflow.contains("nodes") || !workflow["nodes"].is_array() || workflow["nodes"].empty())
    throw HttpError::validation("nodes", "Must be a non-empty array, as n8n exports it");
  if (workflow.contains("settings") && !workflow["settings"].is_object())
    throw HttpError::validation("settings", "Must be an object");
}

json compile(const json& workflow) {
  checkShape(workflow);
  return Compilation(workflow).compile();
}

json exportGraph(const json& graph) {
  json nodes = json::array(), connections = json::object(), subNodesOut = json::array();
  std::map<std::string, std::string> names;
  for (const auto& step : graph.value("nodes", json::array())) {
    auto name = step.value("name", step.value("id", std::string()));
    names[step.value("id", std::string())] = name;
    auto config = step.contains("data") ? step["data"] : step.value("config", json::object());
    json node = {{"name", name}};
    if (config.contains(orch::kStepSourceKey)) {
      node.update(config[orch::kStepSourceKey]);
      node.erase("sub_nodes");
      for (auto sub : config[orch::kStepSourceKey].value("sub_nodes", json::array())) {
        auto kind = sub["kind"].get<std::string>();
        sub.erase("kind");
        connections[sub["name"].get<std::string>()][kind] =
            json::array({json::array({{{"node", name}, {"type", kind}, {"index", 0}}})});
        subNodesOut.push_back(std::move(sub));
      }
    } else { // a step made outside n8n: the closest node n8n has, its config as parameters
      static const std::map<std::string, std::string> types = {
          {"start", "n8n-nodes-base.manualTrigger"}, {"api_call", "n8n-nodes-base.httpRequest"},
          {"transform", "n8n-nodes-base.set"}, {"condition", "n8n-nodes-base.if"}, {"delay", "n8n-nodes-base.wait"},
          {"email", "n8n-nodes-base.emailSend"}, {"ai_prompt", "@n8n/n8n-nodes-langchain.openAi"}};
      auto found = types.find(step.value("type", std::string()));
      node["type"] = found == types.end() ? "orchestrator." + step.value("type", std::string()) : found->second;
      node["typeVersion"] = 1;
      node["parameters"] = config;
    }
    nodes.push_back(node);
  }
  for (const auto& edge : graph.value("edges", json::array())) {
    auto source = names[edge.value("source", std::string())], target = names[edge.value("target", std::string())];
    const auto& condition = edge.value("condition", json());
    std::size_t output = condition.is_object() && condition.contains("output") && condition["output"].is_number_unsigned()
                             ? condition["output"].get<std::size_t>()
                             : condition.is_object() && condition.value("branch", json()) == "false" ? 1 : 0;
    auto& outputs = connections[source]["main"];
    while (outputs.size() <= output) outputs.push_back(json::array());
    outputs[output].push_back({{"node", target}, {"type", "main"}, {"index", 0}});
  }
  for (auto& sub : subNodesOut) nodes.push_back(std::move(sub));
  return {{"nodes", nodes}, {"connections", connections}, {"settings", json::object()}};
}

} // namespace

orch::FrameworkAdapter n8nAdapter() {
  return {.validate = [](const json& workflow) { compile(workflow); }, .compile = compile, .exportGraph = exportGraph};
}

} // namespace agents::frameworks
