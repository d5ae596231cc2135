#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace agents_test {

/// An n8n export of the common node types: a manual trigger, Edit Fields
/// reading the input with $json, an IF on what it set, an HTTP Request (with
/// retryOnFail) posting to `url` for VIPs, a Wait of two minutes otherwise,
/// and a sticky note.
inline nlohmann::json n8nSupportWorkflow(const std::string& url) {
  return nlohmann::json::parse(R"({
  "name": "Support triage",
  "nodes": [
    {"id": "a1", "name": "When clicking 'Test workflow'", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1,
     "position": [0, 0], "parameters": {}},
    {"id": "a2", "name": "Edit Fields", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [200, 0],
     "parameters": {"assignments": {"assignments": [
       {"id": "x1", "name": "customer", "value": "={{ $json.customer.name }}", "type": "string"},
       {"id": "x2", "name": "tier", "value": "={{ $json.customer.tier }}", "type": "string"},
       {"id": "x3", "name": "greeting", "value": "=Hello {{ $json.customer.name }}!", "type": "string"}]}, "options": {}}},
    {"id": "a3", "name": "Is VIP", "type": "n8n-nodes-base.if", "typeVersion": 2.2, "position": [400, 0],
     "parameters": {"conditions": {"options": {"caseSensitive": true}, "combinator": "and", "conditions": [
       {"id": "c1", "leftValue": "={{ $json.tier }}", "rightValue": "vip", "operator": {"type": "string", "operation": "equals"}}]},
       "options": {}}},
    {"id": "a4", "name": "Tell the CRM", "type": "n8n-nodes-base.httpRequest", "typeVersion": 4.2, "position": [600, -100],
     "retryOnFail": true, "maxTries": 2,
     "parameters": {"method": "POST", "url": ")" + url + R"(", "sendBody": true,
       "bodyParameters": {"parameters": [{"name": "text", "value": "={{ $('Edit Fields').item.json.greeting }}"}]}, "options": {}}},
    {"id": "a5", "name": "Wait a moment", "type": "n8n-nodes-base.wait", "typeVersion": 1.1, "position": [600, 100],
     "parameters": {"amount": 2, "unit": "minutes"}},
    {"id": "a6", "name": "Sticky Note", "type": "n8n-nodes-base.stickyNote", "typeVersion": 1, "position": [0, 200],
     "parameters": {"content": "VIPs go to the CRM"}}
  ],
  "connections": {
    "When clicking 'Test workflow'": {"main": [[{"node": "Edit Fields", "type": "main", "index": 0}]]},
    "Edit Fields": {"main": [[{"node": "Is VIP", "type": "main", "index": 0}]]},
    "Is VIP": {"main": [[{"node": "Tell the CRM", "type": "main", "index": 0}], [{"node": "Wait a moment", "type": "main", "index": 0}]]}
  },
  "settings": {"executionOrder": "v1"},
  "pinData": {}
})");
}

/// Manual trigger -> Switch on $json.tier (vip, gold, else the fallback) -> three Set nodes.
inline nlohmann::json n8nSwitchWorkflow(bool allMatching = false) {
  using json = nlohmann::json;
  auto rule = [](const std::string& tier) {
    return json{{"conditions", {{"combinator", "and"},
                                {"conditions", {{{"leftValue", "={{ $json.tier }}"}, {"rightValue", tier},
                                                 {"operator", {{"type", "string"}, {"operation", "equals"}}}}}}}}};
  };
  auto set = [](const std::string& name, const std::string& lane) {
    return json{{"name", name}, {"type", "n8n-nodes-base.set"}, {"typeVersion", 3.4},
                {"parameters", {{"assignments", {{"assignments", {{{"name", "lane"}, {"value", lane}, {"type", "string"}}}}}}}}};
  };
  json options = {{"fallbackOutput", "extra"}};
  if (allMatching) options["allMatchingOutputs"] = true;
  return {{"nodes", {{{"name", "Start"}, {"type", "n8n-nodes-base.manualTrigger"}, {"typeVersion", 1}, {"parameters", json::object()}},
                     {{"name", "Route"}, {"type", "n8n-nodes-base.switch"}, {"typeVersion", 3.2},
                      {"parameters", {{"rules", {{"values", {rule("vip"), rule("gold")}}}}, {"options", options}}}},
                     set("Fast lane", "fast"), set("Gold lane", "gold"), set("Normal lane", "normal")}},
          {"connections", {{"Start", {{"main", {{{{"node", "Route"}, {"type", "main"}, {"index", 0}}}}}}},
                           {"Route", {{"main", {{{{"node", "Fast lane"}, {"type", "main"}, {"index", 0}}},
                                                {{{"node", "Gold lane"}, {"type", "main"}, {"index", 0}}},
                                                {{{"node", "Normal lane"}, {"type", "main"}, {"index", 0}}}}}}}}}};
}

/// Manual trigger -> HTTP Request to `url` with n8n's onError `mode` -> "Use it"
/// (its regular output) and, with continueErrorOutput, "Handle it" (its error
/// output), which reads the failure as $json.error.
inline nlohmann::json n8nOnErrorWorkflow(const std::string& url, const std::string& mode) {
  using json = nlohmann::json;
  auto set = [](const std::string& name, const std::string& lane) {
    json assignments = {{{"name", "lane"}, {"value", lane}, {"type", "string"}}};
    if (lane == "error") assignments.push_back({{"name", "problem"}, {"value", "={{ $json.error }}"}, {"type", "string"}});
    return json{{"name", name}, {"type", "n8n-nodes-base.set"}, {"typeVersion", 3.4},
                {"parameters", {{"assignments", {{"assignments", assignments}}}}}};
  };
  json outputs = json::array({json::array({{{"node", "Use it"}, {"type", "main"}, {"index", 0}}})});
  if (mode == "continueErrorOutput") outputs.push_back(json::array({{{"node", "Handle it"}, {"type", "main"}, {"index", 0}}}));
  return {{"nodes", {{{"name", "Start"}, {"type", "n8n-nodes-base.manualTrigger"}, {"typeVersion", 1}, {"parameters", json::object()}},
                     {{"name", "Fetch"}, {"type", "n8n-nodes-base.httpRequest"}, {"typeVersion", 4.2}, {"onError", mode},
                      {"parameters", {{"method", "GET"}, {"url", url}, {"options", json::object()}}}},
                     set("Use it", "regular"), set("Handle it", "error")}},
          {"connections", {{"Start", {{"main", {{{{"node", "Fetch"}, {"type", "main"}, {"index", 0}}}}}}}, {"Fetch", {{"main", outputs}}}}},
          {"settings", json::object()}};
}

} // namespace agents_test
