// Every served example of the five seed documents, sent as written
// (tests/seeds/seed_<NNN>.json) to a host with every first-party plugin: each
// request is accepted and each response holds every field its seed shows
// (extra fields are fine; values are the server's own). A step's "note" says
// where the request had to differ from the seed's text.
#include "Eventually.h"
#include "FakeLlmServer.h"
#include "HostProcess.h"
#include "HttpClient.h"
#include "LocalHttpServer.h"
#include "SmtpServer.h"

#include <orchestrator/ids.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

using namespace orch::test;
using json = nlohmann::json;

namespace {

constexpr const char* kAdminEmail = "admin@example.com";
constexpr const char* kAdminPassword = "Admin-Password-1";

/// Every key `shown` holds is in `actual`, recursively; an array's first
/// element stands for all. Adds a failure per missing key, naming its path.
void expectFieldsShown(const json& shown, const json& actual, const std::string& path, const std::string& step) {
  if (shown.is_object()) {
    if (!actual.is_object()) {
      ADD_FAILURE() << step << ": " << (path.empty() ? "the body" : path) << " is not an object: " << actual.dump();
      return;
    }
    for (const auto& [key, value] : shown.items()) {
      auto where = path + "/" + key;
      if (!actual.contains(key)) {
        ADD_FAILURE() << step << ": the response has no " << where;
        continue;
      }
      expectFieldsShown(value, actual[key], where, step);
    }
  } else if (shown.is_array() && !shown.empty() && (shown[0].is_object() || shown[0].is_array())) {
    if (!actual.is_array() || actual.empty()) {
      ADD_FAILURE() << step << ": " << path << " is no list with an element to compare: " << actual.dump();
      return;
    }
    expectFieldsShown(shown[0], actual[0], path + "/0", step);
  }
}

class SeedContract : public ::testing::TestWithParam<std::string> {
protected:
  static void SetUpTestSuite() {
    smtp_ = new SmtpServer();
    llm_ = new FakeLlmServer();
    http_ = new LocalHttpServer([](const LocalHttpServer::Request&) { return LocalHttpServer::Reply{200, R"({"ok":true})"}; });
    std::string config = smtp_->hostConfig() +
                         "ratelimit.enabled = false\n"
                         "steps.api_call.allow_private_networks = true\n"
                         "workflows.engine.retry_base_ms = 20\n" + llm_->hostConfig();
    for (const char* name : {"welcome-template", "follow_up_template", "summary-template", "welcome_template",
                             "lead_nurture_template", "onboarding_template"})
      config += std::string("email.templates.") + name + ".subject = Hello {{customer_name}}\nemail.templates." + name +
                ".body = Hello {{customer_name}}.\n";
    host_ = new HostProcess({.pluginsDir = ORCH_PLUGIN_DIR,
                             .config = config,
                             .env = {{"ORCH_ADMIN_EMAIL", kAdminEmail}, {"ORCH_ADMIN_PASSWORD", kAdminPassword}}});
  }
  static void TearDownTestSuite() {
    delete host_;
    delete http_;
    delete llm_;
    delete smtp_;
  }

  /// The seed's examples, as tests/seeds holds them.
  static json examples(const std::string& seed) {
    std::ifstream in(std::string(ORCH_SOURCE_DIR) + "/tests/seeds/seed_" + seed + ".json");
    return json::parse(in);
  }

  /// `text` with every {{name}} of `values` filled in.
  static std::string fill(std::string text, const std::map<std::string, std::string>& values) {
    static const std::regex placeholder(R"(\{\{([a-z_]+)\}\})");
    std::string out;
    std::sregex_iterator it(text.begin(), text.end(), placeholder), end;
    std::size_t at = 0;
    for (; it != end; ++it) {
      out += text.substr(at, it->position() - at);
      auto name = (*it)[1].str();
      auto found = values.find(name);
      out += name == "unique" ? orch::newId().substr(0, 8) : found != values.end() ? found->second : it->str();
      at = it->position() + it->length();
    }
    return out + text.substr(at);
  }
  static json fill(const json& value, const std::map<std::string, std::string>& values) {
    if (value.is_string()) return fill(value.get<std::string>(), values);
    if (!value.is_structured()) return value;
    json out = value;
    for (auto& [key, item] : out.items()) item = fill(item, values);
    return out;
  }

  /// A fresh user of this seed's run, logged in; its tokens and an API key in `values`.
  static void newUser(std::map<std::string, std::string>& values) {
    HttpClient client(host_->port());
    auto email = "seed-" + orch::newId().substr(0, 8) + "@example.com", password = std::string("a long passphrase 7");
    EXPECT_EQ(client.post("/api/v1/auth/register", {{"email", email}, {"password", password}}).status, 201);
    auto login = client.post("/api/v1/auth/login", {{"email", email}, {"password", password}});
    ASSERT_EQ(login.status, 200) << login.body;
    values["user_email"] = email;
    values["user_password"] = password;
    values["access_token"] = login.json()["access_token"];
    values["refresh_token"] = login.json()["refresh_token"];
    auto key = client.post("/api/v1/auth/api-keys", {{"name", "seeds"}, {"scopes", {"workflow:*", "template:*", "execution:*", "analytics:read", "metrics:read"}}},
                           {{"Authorization", "Bearer " + values["access_token"]}});
    ASSERT_EQ(key.status, 201) << key.body;
    values["api_key"] = key.json()["key"];
    auto admin = client.post("/api/v1/auth/login", {{"email", kAdminEmail}, {"password", kAdminPassword}});
    ASSERT_EQ(admin.status, 200) << admin.body;
    values["admin_token"] = admin.json()["access_token"];
    values["admin_email"] = kAdminEmail;
    values["admin_password"] = kAdminPassword;
    values["http_port"] = std::to_string(http_->port());
  }

  static HostProcess* host_;
  static SmtpServer* smtp_;
  static FakeLlmServer* llm_;
  static LocalHttpServer* http_;
};
HostProcess* SeedContract::host_ = nullptr;
SmtpServer* SeedContract::smtp_ = nullptr;
FakeLlmServer* SeedContract::llm_ = nullptr;
LocalHttpServer* SeedContract::http_ = nullptr;

} // namespace

TEST_P(SeedContract, EveryExampleIsAcceptedAndAnswersEveryFieldItShows) {
  auto file = examples(GetParam());
  ASSERT_FALSE(file["steps"].empty());
  std::map<std::string, std::string> values;
  newUser(values);
  for (const auto& step : file["steps"]) {
    auto name = "seed " + GetParam() + " \"" + step["name"].get<std::string>() + "\"";
    SCOPED_TRACE(name);
    std::map<std::string, std::string> headers;
    auto as = step.value("as", std::string("user"));
    if (as == "user") headers["Authorization"] = "Bearer " + values["access_token"];
    if (as == "admin") headers["Authorization"] = "Bearer " + values["admin_token"];
    if (as == "api_key") headers["X-API-KEY"] = values["api_key"];
    if (step.contains("bearer")) headers["Authorization"] = "Bearer " + fill(step["bearer"].get<std::string>(), values);
    auto path = fill(step["path"].get<std::string>(), values);
    if (step.contains("query")) path += "?" + fill(step["query"].get<std::string>(), values);
    std::string body, contentType = "application/json";
    if (step.contains("body")) body = fill(step["body"], values).dump();
    if (step.contains("body_form")) {
      body = fill(step["body_form"].get<std::string>(), values);
      contentType = "application/x-www-form-urlencoded";
    }
    if (!step.contains("body") && !step.contains("body_form")) contentType.clear();
    auto send = [&] { return HttpClient(host_->port()).request(step["method"], path, body, headers, contentType); };
    HttpResult response = send();
    if (step.contains("wait_until")) {
      const auto& until = step["wait_until"];
      json::json_pointer pointer(until["pointer"].get<std::string>());
      EXPECT_TRUE(orch::test::eventually(
          [&] {
            response = send();
            auto answer = json::parse(response.body, nullptr, false);
            return answer.is_structured() && answer.contains(pointer) &&
                   std::find(until["in"].begin(), until["in"].end(), answer[pointer]) != until["in"].end();
          },
          std::chrono::seconds(20)))
          << name << ": " << response.body;
    }
    ASSERT_EQ(response.status, step["status"].get<int>()) << name << ": " << step["method"] << " " << path << "\n"
                                                          << response.body;
    auto answer = json::parse(response.body, nullptr, false);
    if (step.contains("shows")) expectFieldsShown(step["shows"], answer, "", name);
    const json saves = step.value("save", json::object());  // items() must not outlive a temporary
    for (const auto& [key, pointer] : saves.items()) {
      json::json_pointer at(pointer.get<std::string>());
      ASSERT_TRUE(answer.contains(at)) << name << ": nothing at " << pointer << " to save as " << key << ": " << response.body;
      values[key] = answer[at].is_string() ? answer[at].get<std::string>() : answer[at].dump();
    }
    if (answer.is_object() && answer.contains("refresh_token") && as != "admin")
      values["refresh_token"] = answer["refresh_token"], values["access_token"] = answer.value("access_token", values["access_token"]);
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, SeedContract, ::testing::Values("000", "001", "002", "003", "004"),
                         [](const auto& info) { return "Seed" + info.param; });
