// The built-in step types' config schemas and the built-in templates: every
// schema compiles, every seed example config passes, the key refusals name the
// exact field with the schema's own sentence, and every template is a valid,
// fully parameterized workflow whose shipped JSON file equals the embedded copy.
#include "BuiltinStepTypes.h"
#include "BuiltinTemplates.h"
#include "ConfigSchema.h"
#include "TemplateParameters.h"
#include "WorkflowGraph.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

using orch::HttpError;
using orch::json;
using workflows::builtinStepTypes;
using workflows::builtinTemplates;
using workflows::ConfigSchema;
using workflows::TemplateParameters;
using workflows::WorkflowGraph;

namespace {

const std::map<std::string, ConfigSchema>& compiledSchemas() {
  static const std::map<std::string, ConfigSchema> schemas = [] {
    std::map<std::string, ConfigSchema> compiled;
    for (const auto& type : builtinStepTypes()) compiled.emplace(type.name, ConfigSchema::compile(type.configSchema));
    return compiled;
  }();
  return schemas;
}

const ConfigSchema& schemaOf(const std::string& type) { return compiledSchemas().at(type); }

std::optional<ConfigSchema::Problem> problemOf(const std::string& type, const json& config) {
  return schemaOf(type).firstProblem(config, "steps[0].config");
}

/// Every node of a request body, checked against its type's schema as the
/// create route does; "" when all pass, else the first "field: issue".
std::string firstGraphProblem(const json& body) {
  WorkflowGraph graph = WorkflowGraph::fromRequest(body);
  graph.validateStructure();
  for (const auto& node : graph.nodes()) {
    auto found = compiledSchemas().find(node.type);
    if (found == compiledSchemas().end()) return node.path + ".type: unknown step type " + node.type;
    if (auto problem = found->second.firstProblem(node.config, node.path + ".config"))
      return problem->field + ": " + problem->issue;
  }
  return "";
}

std::filesystem::path templatesDir() {
  return std::filesystem::path(__FILE__).parent_path().parent_path() / "templates";
}

json readJsonFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

// "{{ name }}" and "{{steps.<id>.output...}}".
const std::regex kPlaceholder(R"(\{\{\s*([^}]*?)\s*\}\})");

/// Every placeholder text inside any string (keys included) of `value`.
void collectPlaceholders(const json& value, std::set<std::string>& out) {
  auto scan = [&out](const std::string& text) {
    for (std::sregex_iterator it(text.begin(), text.end(), kPlaceholder), end; it != end; ++it) out.insert((*it)[1]);
  };
  if (value.is_string()) scan(value.get<std::string>());
  else if (value.is_object())
    for (const auto& [key, member] : value.items()) scan(key), collectPlaceholders(member, out);
  else if (value.is_array())
    for (const auto& item : value) collectPlaceholders(item, out);
}

} // namespace

// ---------------------------------------------------------------- step types

TEST(BuiltinStepTypes, AreTheEightOfTheApiInOrderThenApprovalWorkflowAndTheToolLoop) {
  std::vector<std::string> names;
  for (const auto& type : builtinStepTypes()) names.push_back(type.name);
  EXPECT_EQ(names, (std::vector<std::string>{"start", "ai_prompt", "email", "api_call", "condition", "delay",
                                             "transform", "webhook", "approval", "workflow", "tool_loop"}));
  for (const auto& type : builtinStepTypes()) {
    EXPECT_FALSE(type.description.empty()) << type.name;
    EXPECT_EQ(type.configSchema.value("type", ""), "object") << type.name;
    EXPECT_NE(type.configSchema.value("additionalProperties", true), false) << type.name;
  }
}

TEST(BuiltinStepTypes, EverySchemaCompiles) {
  for (const auto& type : builtinStepTypes())
    EXPECT_NO_THROW(ConfigSchema::compile(type.configSchema)) << type.name;
}

TEST(BuiltinStepTypes, SeedExampleConfigsAreAccepted) {
  const std::vector<std::pair<std::string, json>> examples = {
      // seed 000, POST /api/workflows
      {"ai_prompt", json::parse(R"({"prompt": "Analyze the following customer feedback:", "model": "gpt-4", "max_tokens": 500})")},
      {"email", json::parse(R"({"template": "summary-template", "to": "manager@company.com"})")},
      // seed 000, the onboarding curl example
      {"email", json::parse(R"({"template": "welcome-template", "to": "{{customer_email}}", "subject": "Welcome to Auterity!"})")},
      {"api_call", json::parse(R"({"url": "https://api.crm.com/customers", "method": "POST",
          "headers": {"Authorization": "Bearer crm-token"},
          "body": {"email": "{{customer_email}}", "name": "{{customer_name}}", "source": "auterity_onboarding"}})")},
      {"ai_prompt", json::parse(R"({"prompt": "Create personalized content for {{customer_name}} based on their industry: {{customer_industry}}",
          "model": "gpt-4", "max_tokens": 300})")},
      // seed 000, GET /api/templates
      {"ai_prompt", json::parse(R"({"prompt": "Categorize this support ticket: {{ticket_content}}", "model": "gpt-3.5-turbo"})")},
      // seed 000, POST /api/ai/route: the AI options an ai_prompt step passes on
      {"ai_prompt", json::parse(R"({"prompt": "Analyze this customer feedback for sentiment", "context": "customer_service",
          "max_tokens": 200, "temperature": 0.7,
          "routing_preferences": {"cost_optimization": true, "quality_preference": "balanced", "budget_limit": 0.5}})")},
      // seed 001, React Flow nodes once WorkflowGraph has taken the label out of data
      {"start", json::object()},
      {"email", json::parse(R"({"to": "{{customer_email}}", "template": "follow_up_template"})")},
  };
  for (const auto& [type, config] : examples) {
    auto problem = problemOf(type, config);
    EXPECT_FALSE(problem.has_value()) << type << " " << config.dump() << ": " << problem->field << " " << problem->issue;
  }
}

TEST(BuiltinStepTypes, SeedRequestBodiesPassAsTheCreateRouteChecksThem) {
  const json seed000Create = json::parse(R"({"name": "New Workflow", "steps": [
    {"type": "ai_prompt", "name": "Generate Response",
     "config": {"prompt": "Analyze the following customer feedback:", "model": "gpt-4", "max_tokens": 500},
     "position": {"x": 100, "y": 100}},
    {"type": "email", "name": "Send Summary", "config": {"template": "summary-template", "to": "manager@company.com"},
     "position": {"x": 300, "y": 100}, "dependencies": ["step-1"]}]})");
  const json seed001Create = json::parse(R"({"name": "Customer Follow-up Workflow", "definition": {
    "nodes": [
      {"id": "start", "type": "start", "data": {"label": "Start Process"}, "position": {"x": 100, "y": 100}},
      {"id": "send_email", "type": "email",
       "data": {"label": "Send Follow-up Email", "to": "{{customer_email}}", "template": "follow_up_template"},
       "position": {"x": 300, "y": 100}}],
    "edges": [{"id": "e1", "source": "start", "target": "send_email"}]}, "is_active": true})");
  const json seed001Template = json::parse(R"({"definition": {"nodes": [
    {"id": "start", "type": "start", "data": {"label": "Start: {{customer_name}}"}}], "edges": []}})");
  EXPECT_EQ(firstGraphProblem(seed000Create), "");
  EXPECT_EQ(firstGraphProblem(seed001Create), "");
  EXPECT_EQ(firstGraphProblem(seed001Template), "");
}

// Seed 000's GET /api/workflows response shows an email step configured with
// only {"template", "delay"}: no recipient. It is a response (what some stored
// workflow looked like), not a request; as a request it is refused, because an
// email step cannot run without `to`.
TEST(BuiltinStepTypes, TheSeedsListedEmailStepWithoutRecipientIsRefused) {
  auto problem = problemOf("email", json::parse(R"({"template": "welcome-template", "delay": 0})"));
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->field, "steps[0].config.to");
  EXPECT_EQ(problem->issue, "Recipient is required");
  EXPECT_FALSE(problemOf("email", json::parse(R"({"template": "welcome-template", "delay": 0, "to": "a@b.co"})")));
}

TEST(BuiltinStepTypes, OtherValidConfigsAreAccepted) {
  const std::vector<std::pair<std::string, json>> valid = {
      {"start", json::parse(R"({"trigger": "manual", "anything": [1, 2]})")},
      {"ai_prompt", json::parse(R"({"prompt": "x", "max_tokens": 200000, "temperature": 2, "system": "s", "provider": "openai"})")},
      {"ai_prompt", json::parse(R"({"prompt": "x", "max_tokens": 1, "temperature": 0})")},
      {"email", json::parse(R"({"to": ["a@b.co", "{{other}}"], "body": "Hi", "cc": "c@d.co", "bcc": ["e@f.co"],
          "from": "me@x.co", "credential_id": "smtp-1"})")},
      {"api_call", json::parse(R"({"url": "http://example.com", "method": "HEAD", "timeout": 0.1, "body": [1, "two"]})")},
      {"api_call", json::parse(R"({"url": "https://example.com", "timeout": 300, "credential_id": "c", "allow_private_network": true})")},
      {"api_call", json::parse(R"({"url": "{{crm_url}}/customers"})")},
      {"condition", json::parse(R"({"expression": "x > 1", "true_step": "a", "false_step": "b"})")},
      {"condition", json::parse(R"({"condition": "x > 1", "branches": [{"when": "x > 1", "step": "a"}]})")},
      {"condition", json::parse(R"({"expression": "x", "branches": {"yes": "a", "no": "b"}})")},
      {"delay", json::parse(R"({"seconds": 0})")},
      {"delay", json::parse(R"({"duration_seconds": 2592000})")},
      {"delay", json::parse(R"({"seconds": 1.5})")},
      {"delay", json::parse(R"({"until": "2025-08-25T16:00:00Z"})")},
      {"delay", json::parse(R"({"until": "2025-08-25T16:00:00.250+02:00"})")},
      {"transform", json::parse(R"({"mapping": {"full_name": "{{first}} {{last}}"}})")},
      {"transform", json::parse(R"({"expression": "input.items | length"})")},
      {"transform", json::parse(R"({"template": "Hello {{name}}"})")},
      {"webhook", json::parse(R"({"url": "https://hooks.example.com/x", "payload": {"a": 1}, "secret": "s", "headers": {"X-A": "b"}})")},
      {"webhook", json::parse(R"({"url": "https://hooks.example.com/x", "method": "PUT", "payload": "text"})")},
  };
  for (const auto& [type, config] : valid) {
    auto problem = problemOf(type, config);
    EXPECT_FALSE(problem.has_value()) << type << " " << config.dump() << ": " << problem->field << " " << problem->issue;
  }
}

TEST(BuiltinStepTypes, KeyRefusalsNameTheFieldAndTheIssue) {
  struct Case {
    std::string type;
    json config;
    std::string field;
    std::string issue;
  };
  const std::string url = "URL is required and must start with http:// or https://";
  const std::vector<Case> cases = {
      {"ai_prompt", {{"prompt", ""}}, "steps[0].config.prompt", "Prompt cannot be empty"},
      {"ai_prompt", json::object(), "steps[0].config.prompt", "Prompt cannot be empty"},
      {"ai_prompt", {{"prompt", "  \n\t"}}, "steps[0].config.prompt", "Prompt cannot be empty"},
      {"ai_prompt", {{"prompt", 7}}, "steps[0].config.prompt", "Prompt cannot be empty"},
      {"ai_prompt", {{"prompt", "x"}, {"max_tokens", 0}}, "steps[0].config.max_tokens", "max_tokens must be an integer from 1 to 200000"},
      {"ai_prompt", {{"prompt", "x"}, {"max_tokens", 200001}}, "steps[0].config.max_tokens", "max_tokens must be an integer from 1 to 200000"},
      {"ai_prompt", {{"prompt", "x"}, {"max_tokens", 10.5}}, "steps[0].config.max_tokens", "max_tokens must be an integer from 1 to 200000"},
      {"ai_prompt", {{"prompt", "x"}, {"temperature", 2.5}}, "steps[0].config.temperature", "temperature must be a number from 0 to 2"},
      {"ai_prompt", {{"prompt", "x"}, {"routing_preferences", "cheap"}}, "steps[0].config.routing_preferences", "routing_preferences must be an object"},
      {"email", {{"template", "t"}}, "steps[0].config.to", "Recipient is required"},
      {"email", {{"template", "t"}, {"to", ""}}, "steps[0].config.to", "Recipient is required"},
      {"email", {{"template", "t"}, {"to", json::array()}}, "steps[0].config.to", "Recipient is required"},
      {"email", {{"template", "t"}, {"to", 5}}, "steps[0].config.to", "Recipient is required"},
      {"email", {{"template", "t"}, {"to", {"a@b.co", 5}}}, "steps[0].config.to[1]", "Each recipient must be a non-empty string"},
      {"email", {{"to", "a@b.co"}}, "steps[0].config", "An email needs a body or a template"},
      {"email", {{"to", "a@b.co"}, {"body", "b"}, {"subject", 3}}, "steps[0].config.subject", "subject must be a string"},
      {"api_call", json::object(), "steps[0].config.url", url},
      {"api_call", {{"url", "ftp://example.com"}}, "steps[0].config.url", url},
      {"api_call", {{"url", "example.com"}}, "steps[0].config.url", url},
      {"api_call", {{"url", "https://x.co"}, {"method", "FETCH"}}, "steps[0].config.method", "method must be one of GET, POST, PUT, PATCH, DELETE, HEAD"},
      {"api_call", {{"url", "https://x.co"}, {"headers", {{"X-Trace.Id", 1}}}}, "steps[0].config.headers[\"X-Trace.Id\"]", "headers must be an object of strings"},
      {"api_call", {{"url", "https://x.co"}, {"timeout", 0}}, "steps[0].config.timeout", "timeout must be a number of seconds from 0.1 to 300"},
      {"api_call", {{"url", "https://x.co"}, {"timeout", 301}}, "steps[0].config.timeout", "timeout must be a number of seconds from 0.1 to 300"},
      {"condition", json::object(), "steps[0].config", "A condition needs an expression"},
      {"condition", {{"true_step", "a"}}, "steps[0].config", "A condition needs an expression"},
      {"condition", {{"expression", ""}}, "steps[0].config.expression", "expression must be a non-empty string"},
      {"condition", {{"expression", "x"}, {"branches", "a"}}, "steps[0].config.branches", "branches must be an array or an object"},
      {"delay", json::object(), "steps[0].config", "A delay needs seconds, duration_seconds or until"},
      {"delay", {{"minutes", 5}}, "steps[0].config", "A delay needs seconds, duration_seconds or until"},
      {"delay", {{"seconds", -1}}, "steps[0].config.seconds", "seconds must be a number from 0 to 2592000 (30 days)"},
      {"delay", {{"seconds", 2592001}}, "steps[0].config.seconds", "seconds must be a number from 0 to 2592000 (30 days)"},
      {"delay", {{"seconds", "60"}}, "steps[0].config.seconds", "seconds must be a number from 0 to 2592000 (30 days)"},
      {"delay", {{"duration_seconds", -5}}, "steps[0].config.duration_seconds", "duration_seconds must be a number from 0 to 2592000 (30 days)"},
      {"delay", {{"until", "tomorrow"}}, "steps[0].config.until", "until must be an RFC 3339 date-time such as 2025-08-25T16:00:00Z"},
      {"delay", {{"until", "2025-08-25"}}, "steps[0].config.until", "until must be an RFC 3339 date-time such as 2025-08-25T16:00:00Z"},
      {"transform", json::object(), "steps[0].config", "A transform needs a mapping, an expression or a template"},
      {"transform", {{"mapping", "a=b"}}, "steps[0].config.mapping", "mapping must be an object"},
      {"transform", {{"template", ""}}, "steps[0].config.template", "template must be a non-empty string"},
      {"webhook", json::object(), "steps[0].config.url", url},
      {"webhook", {{"url", "not a url"}}, "steps[0].config.url", url},
      {"webhook", {{"url", "https://x.co"}, {"method", "post"}}, "steps[0].config.method", "method must be one of GET, POST, PUT, PATCH, DELETE, HEAD"},
      {"webhook", {{"url", "https://x.co"}, {"secret", ""}}, "steps[0].config.secret", "secret must be a non-empty string"},
  };
  for (const auto& c : cases) {
    auto problem = problemOf(c.type, c.config);
    ASSERT_TRUE(problem.has_value()) << c.type << " " << c.config.dump();
    EXPECT_EQ(problem->field, c.field) << c.type << " " << c.config.dump();
    EXPECT_EQ(problem->issue, c.issue) << c.type << " " << c.config.dump();
    EXPECT_FALSE(schemaOf(c.type).accepts(c.config)) << c.type << " " << c.config.dump();
  }
}

TEST(BuiltinStepTypes, AnEmptyPromptDeepInAGraphIsNamedByItsStep) {
  const json body = json::parse(R"({"steps": [
    {"type": "start"},
    {"type": "ai_prompt", "config": {"prompt": ""}, "dependencies": ["step-1"]}]})");
  EXPECT_EQ(firstGraphProblem(body), "steps[1].config.prompt: Prompt cannot be empty");
}

// ----------------------------------------------------------------- templates

TEST(BuiltinTemplates, AreTheFourFeaturedTemplatesOfTheSeeds) {
  std::vector<std::string> names;
  std::set<std::string> ids;
  for (const auto& templ : builtinTemplates()) {
    names.push_back(templ.at("name").get<std::string>());
    ids.insert(templ.at("id").get<std::string>());
    EXPECT_TRUE(templ.at("featured").get<bool>());
    for (const char* key : {"description", "category"}) EXPECT_FALSE(templ.at(key).get<std::string>().empty()) << key;
    EXPECT_TRUE(templ.at("tags").is_array());
    EXPECT_FALSE(templ.at("steps").empty());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"Customer Support Automation", "Customer Onboarding Automation",
                                             "Lead Qualification", "Customer Follow-up"}));
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(builtinTemplates()[0].at("preview_image"), "/templates/customer-support.png"); // as seeded
}

TEST(BuiltinTemplates, ParametersAreTyped) {
  const std::set<std::string> types = {"string", "number", "email", "boolean"};
  for (const auto& templ : builtinTemplates()) {
    std::set<std::string> seen;
    for (const auto& parameter : templ.at("parameters")) {
      const std::string where = templ.at("name").get<std::string>() + " " + parameter.dump();
      const std::string name = parameter.at("name").get<std::string>();
      EXPECT_TRUE(std::regex_match(name, std::regex("[A-Za-z_][A-Za-z0-9_]*"))) << where;
      EXPECT_TRUE(seen.insert(name).second) << "duplicate " << where;
      const std::string type = parameter.at("type").get<std::string>();
      EXPECT_TRUE(types.count(type)) << where;
      EXPECT_TRUE(parameter.at("required").is_boolean()) << where;
      EXPECT_FALSE(parameter.at("description").get<std::string>().empty()) << where;
      if (!parameter.contains("default")) continue;
      const json& value = parameter.at("default");
      EXPECT_FALSE(parameter.at("required").get<bool>()) << "a required parameter with a default " << where;
      if (type == "number") {
        EXPECT_TRUE(value.is_number()) << where;
      } else if (type == "boolean") {
        EXPECT_TRUE(value.is_boolean()) << where;
      } else {
        EXPECT_TRUE(value.is_string()) << where;
      }
      if (type == "email") {
        EXPECT_NE(value.get<std::string>().find('@'), std::string::npos) << where;
      }
    }
  }
}

TEST(BuiltinTemplates, StepsFormAValidGraphOfBuiltinTypes) {
  std::set<std::string> builtin;
  for (const auto& type : builtinStepTypes()) builtin.insert(type.name);
  for (const auto& templ : builtinTemplates()) {
    SCOPED_TRACE(templ.at("name").get<std::string>());
    try {
      WorkflowGraph graph = WorkflowGraph::fromRequest({{"steps", templ.at("steps")}});
      graph.validateStructure();
      EXPECT_EQ(graph.nodes().size(), templ.at("steps").size());
      for (const auto& node : graph.nodes()) EXPECT_TRUE(builtin.count(node.type)) << node.path << " " << node.type;
    } catch (const HttpError& e) {
      ADD_FAILURE() << e.what() << " " << e.details().dump();
    }
  }
}

TEST(BuiltinTemplates, ConfigsValidateBeforeAndAfterFillingInParameters) {
  for (const auto& templ : builtinTemplates()) {
    SCOPED_TRACE(templ.at("name").get<std::string>());
    // The plugin's own parameter handling, as instantiate uses it.
    auto parameters = TemplateParameters::parse(templ.at("parameters"));
    const json filled = TemplateParameters::fill(templ.at("steps"), parameters.samples());
    EXPECT_EQ(firstGraphProblem({{"steps", templ.at("steps")}}), "") << "as shipped";
    EXPECT_EQ(firstGraphProblem({{"steps", filled}}), "") << "filled in";
    std::set<std::string> left;
    collectPlaceholders(filled, left);
    for (const auto& placeholder : left)
      EXPECT_EQ(placeholder.rfind("steps.", 0), 0u) << "not filled in: {{" << placeholder << "}}";
  }
}

TEST(BuiltinTemplates, EveryPlaceholderIsADeclaredParameterOrAnEarlierStep) {
  for (const auto& templ : builtinTemplates()) {
    SCOPED_TRACE(templ.at("name").get<std::string>());
    std::set<std::string> parameters, stepIds, used;
    for (const auto& parameter : templ.at("parameters")) parameters.insert(parameter.at("name").get<std::string>());
    for (const auto& step : templ.at("steps")) stepIds.insert(step.at("id").get<std::string>());
    std::set<std::string> placeholders;
    collectPlaceholders(templ.at("steps"), placeholders);
    for (const auto& placeholder : placeholders) {
      if (placeholder.rfind("steps.", 0) == 0) {
        std::string rest = placeholder.substr(6);
        std::string id = rest.substr(0, rest.find('.'));
        EXPECT_TRUE(stepIds.count(id)) << "{{" << placeholder << "}} names no step";
        EXPECT_NE(rest.find(".output"), std::string::npos) << "{{" << placeholder << "}}";
        continue;
      }
      EXPECT_TRUE(parameters.count(placeholder)) << "{{" << placeholder << "}} is not a declared parameter";
      used.insert(placeholder);
    }
    for (const auto& parameter : parameters) EXPECT_TRUE(used.count(parameter)) << "parameter " << parameter << " is never used";
  }
}

// Seed 000's instantiate example customizes "step-1" of the support template.
TEST(BuiltinTemplates, TheSeedsCustomizationAppliesToTheSupportTemplate) {
  const json& support = builtinTemplates()[0];
  const json& first = support.at("steps")[0];
  ASSERT_EQ(first.at("id"), "step-1");
  json config = first.at("config");
  config.merge_patch({{"model", "gpt-4"}});
  EXPECT_FALSE(schemaOf(first.at("type").get<std::string>()).firstProblem(config, "steps[0].config"));
}

TEST(BuiltinTemplates, AreEveryFileUnderTemplates) {
  const auto dir = templatesDir();
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  std::set<std::string> ids;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".json") ids.insert(readJsonFile(entry.path()).at("id").get<std::string>());
  std::set<std::string> embedded;
  for (const auto& templ : builtinTemplates()) embedded.insert(templ.at("id").get<std::string>());
  EXPECT_EQ(embedded, ids) << "a file added under templates/ is built in at the next build";
}
