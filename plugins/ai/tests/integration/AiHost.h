// A real host with auth and ai (and test_kit, to call the ai.router service
// as a plugin would) on SQLite or PostgreSQL, its providers three local
// servers speaking the OpenAI, Anthropic and Gemini protocols, and a small
// catalog whose trade-offs are known.
#pragma once

#include "Eventually.h"
#include "FakeLlmServer.h"
#include "HostProcess.h"
#include "HttpClient.h"
#include "PostgresDatabases.h"
#include "TestPostgres.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>

namespace ai_test {

using orch::test::FakeLlmServer;
using orch::test::eventually;
using orch::test::HostProcess;
using orch::test::HttpClient;
using orch::test::HttpResult;
using json = nlohmann::json;
using Auth = std::map<std::string, std::string>;
enum class Backend { Sqlite, Postgres };

inline std::string pluginFolder() {
  static const std::string folder = orch::test::linkedPluginFolder("ai", {ORCH_PLUGIN_DIR "/auth.so", ORCH_PLUGIN_DIR "/ai.so", ORCH_FIXTURE_PLUGIN_DIR "/test_kit.so"});
  return folder;
}

/// A catalog entry. Prices per token.
inline json model(const std::string& id, const std::string& provider, double in, double out, int context, int maxOut,
                  json capabilities, double quality, int typicalMs) {
  return {{"id", id}, {"provider", provider}, {"name", id}, {"input_cost_per_token", in},
          {"output_cost_per_token", out}, {"context_window", context}, {"max_output_tokens", maxOut},
          {"capabilities", std::move(capabilities)}, {"quality_score", quality}, {"typical_response_ms", typicalMs}};
}

/// Cheap and weak on OpenAI, strong and dear on Anthropic, between on
/// Google, and a model of a provider with no key.
inline json testCatalog() {
  return {{"models",
           {model("oa-cheap", "openai", 1e-7, 4e-7, 16000, 4096, {"text"}, 0.70, 500),
            model("an-strong", "anthropic", 1.5e-5, 7.5e-5, 200000, 32000, {"text", "code", "reasoning"}, 0.97, 3000),
            model("go-middle", "google", 1e-6, 4e-6, 1000000, 16000, {"text", "code"}, 0.86, 900),
            model("lo-free", "local", 1e-9, 1e-9, 8000, 2000, {"text"}, 0.5, 300)}}};
}

class AiHost : public ::testing::TestWithParam<Backend> {
protected:
  void SetUp() override {
    Auth env = {{"ORCH_ADMIN_EMAIL", "admin@example.com"}, {"ORCH_ADMIN_PASSWORD", "admin-password-42"}};
    if (GetParam() == Backend::Postgres) {
      std::string url;
      ORCH_REQUIRE_POSTGRES(url);
      env["ORCH_STORAGE__URL"] = orch::test::freshPostgresDatabase();
    }
    catalogPath_ = std::filesystem::temp_directory_path() /
                   ("orch-ai-catalog-" + std::to_string(::getpid()) + "-" + std::to_string(++counter_) + ".json");
    writeCatalog(testCatalog());
    host_ = std::make_unique<HostProcess>(HostProcess::Options{
        .pluginsDir = pluginFolder(), .config = config(), .env = env});
    alice_ = login("alice@example.com", true);
    admin_ = login("admin@example.com", false, "admin-password-42");
  }

  void TearDown() override {
    if (HasFailure() && host_) {
      auto logs = host_->logs();
      std::cerr << "host log (last 3000 bytes):\n" << logs.substr(logs.size() > 3000 ? logs.size() - 3000 : 0) << "\n";
    }
    host_.reset();
    std::filesystem::remove(catalogPath_);
  }

  virtual std::string extraConfig() const { return ""; }

  std::string config() const {
    return "ratelimit.enabled = false\n"
           "test_kit.authenticator = false\n"
           "ai.catalog = " + catalogPath_.string() + "\n"
           "ai.catalog_reload_ms = 100\n"
           "ai.providers = openai,anthropic,google,local\n"
           "ai.providers.openai.base_url = " + openai_.baseUrl() + "/v1\n"
           "ai.providers.openai.api_key = sk-openai-test\n"
           "ai.providers.anthropic.base_url = " + anthropic_.baseUrl() + "\n"
           "ai.providers.anthropic.api_key = sk-ant-test\n"
           "ai.providers.google.base_url = " + google_.baseUrl() + "\n"
           "ai.providers.google.api_key = goog-test\n"
           "ai.providers.local.base_url = http://127.0.0.1:9/v1\n"
           "ai.timeout_ms = 1500\n"
           "ai.max_retry_wait_ms = 2000\n" + extraConfig();
  }

  void writeCatalog(const json& catalog) {
    auto temporary = catalogPath_.string() + ".new";
    std::ofstream(temporary) << catalog.dump(2);
    std::filesystem::rename(temporary, catalogPath_); // atomic, as an operator's deploy would be
  }

  Auth login(const std::string& email, bool registerFirst, const std::string& password = "a long passphrase 7") {
    HttpClient client(host_->port());
    if (registerFirst) client.post("/api/v1/auth/register", {{"email", email}, {"password", password}});
    auto answer = client.post("/api/v1/auth/login", {{"email", email}, {"password", password}});
    EXPECT_EQ(answer.status, 200) << answer.body;
    return {{"Authorization", "Bearer " + answer.json()["access_token"].get<std::string>()}};
  }

  std::string userId(const Auth& auth) { return get("/api/v1/auth/me", auth).json()["id"].get<std::string>(); }

  HttpResult post(const std::string& path, const json& body, const Auth& auth) {
    return HttpClient(host_->port()).post(path, body, auth);
  }
  HttpResult get(const std::string& path, const Auth& auth) { return HttpClient(host_->port()).get(path, auth); }
  HttpResult put(const std::string& path, const json& body, const Auth& auth) {
    return HttpClient(host_->port()).request("PUT", path, body.dump(), auth);
  }

  std::size_t providerCalls() const {
    return openai_.requestCount() + anthropic_.requestCount() + google_.requestCount();
  }

  static void expectInvalid(const HttpResult& answer, const std::string& field) {
    EXPECT_EQ(answer.status, 422) << answer.body;
    EXPECT_EQ(answer.json()["error"]["code"], "VALIDATION_ERROR") << answer.body;
    EXPECT_EQ(answer.json()["error"]["details"]["field"], field) << answer.body;
  }

  /// The events of a text/event-stream body: [{event, data}].
  static std::vector<std::pair<std::string, json>> events(const std::string& body) {
    std::vector<std::pair<std::string, json>> out;
    std::size_t start = 0;
    while (start < body.size()) {
      auto end = body.find("\n\n", start);
      if (end == std::string::npos) end = body.size();
      auto block = body.substr(start, end - start);
      std::string name, data;
      std::istringstream lines(block);
      for (std::string line; std::getline(lines, line);) {
        if (line.rfind("event: ", 0) == 0) name = line.substr(7);
        if (line.rfind("data: ", 0) == 0) data += line.substr(6);
      }
      if (!name.empty()) out.emplace_back(name, json::parse(data));
      start = end + 2;
    }
    return out;
  }

  FakeLlmServer openai_, anthropic_, google_;
  std::filesystem::path catalogPath_;
  std::unique_ptr<HostProcess> host_;
  Auth alice_, admin_;
  static inline int counter_ = 0;
};

} // namespace ai_test
