// A real host with auth, workflows and the SDK example, on SQLite or
// PostgreSQL, and a few helpers speaking to it. Shared by the workflow tests.
#pragma once

#include "HostProcess.h"
#include "HttpClient.h"
#include "PostgresDatabases.h"
#include "TestPostgres.h"

#include <gtest/gtest.h>

#include <csignal>

#include <libpq-fe.h>
#include <sqlite3.h>

#include <filesystem>
#include <iostream>
#include <set>
#include <vector>

namespace workflows_test {

using orch::test::HostProcess;
using orch::test::HttpClient;
using orch::test::HttpResult;
using json = nlohmann::json;
enum class Backend { Sqlite, Postgres };

/// A plugin folder holding auth, workflows, the SDK example and a step type that crashes.
inline std::string pluginFolder() {
  static const std::string folder = orch::test::linkedPluginFolder(
      "wf", {ORCH_PLUGIN_DIR "/auth.so", ORCH_PLUGIN_DIR "/workflows.so", ORCH_FIXTURE_PLUGIN_DIR "/hello_steps.so",
             ORCH_FIXTURE_PLUGIN_DIR "/crashing_steps.so"});
  return folder;
}

class WorkflowsHost : public ::testing::TestWithParam<Backend> {
protected:
  void SetUp() override {
    std::map<std::string, std::string> env = {{"ORCH_ADMIN_EMAIL", "admin@example.com"},
                                              {"ORCH_ADMIN_PASSWORD", "admin-password-42"}};
    if (GetParam() == Backend::Postgres) {
      std::string url;
      ORCH_REQUIRE_POSTGRES(url);
      databaseUrl_ = orch::test::freshPostgresDatabase();
      env["ORCH_STORAGE__URL"] = databaseUrl_;
    }
    env_ = env;
    startHost();
    alice_ = userToken("alice@example.com");
    bob_ = userToken("bob@example.com");
  }

  void TearDown() override {
    // The host's own account of a failure is the fastest way to its cause.
    if (HasFailure() && host_) {
      auto logs = host_->logs();
      std::cerr << "host log (last 3000 bytes):\n" << logs.substr(logs.size() > 3000 ? logs.size() - 3000 : 0) << "\n";
    }
  }

  /// Config lines a test suite adds to every host it starts.
  virtual std::string extraConfig() const { return ""; }
  /// The plugins a test suite's hosts load.
  virtual std::string pluginsDir() const { return pluginFolder(); }

  /// Starts the host (again): on `dataDir` when given (a restart), on the same database.
  void startHost(const std::string& dataDir = "") {
    host_ = std::make_unique<HostProcess>(HostProcess::Options{.pluginsDir = pluginsDir(),
                                                               .config = "ratelimit.enabled = false\n" + extraConfig(),
                                                               .env = env_,
                                                               .dataDir = dataDir});
  }

  /// Registers a user and returns its Authorization header.
  std::map<std::string, std::string> userToken(const std::string& email) {
    HttpClient client(host_->port());
    client.post("/api/v1/auth/register", {{"email", email}, {"password", "a long passphrase 7"}});
    auto login = client.post("/api/v1/auth/login", {{"email", email}, {"password", "a long passphrase 7"}});
    EXPECT_EQ(login.status, 200) << login.body;
    return {{"Authorization", "Bearer " + login.json()["access_token"].get<std::string>()}};
  }

  /// A kill -9 of the host, then a new one on the same data: a crash and a restart.
  void killAndRestart() {
    host_->stop(SIGKILL);
    // Kept to the end of the test: it owns the data folder the new host runs on.
    killed_.push_back(std::move(host_));
    startHost(killed_.back()->dataDir());
  }

  /// The first admin's Authorization header (the account SetUp's environment makes).
  std::map<std::string, std::string> adminToken() {
    auto login = HttpClient(host_->port())
                     .post("/api/v1/auth/login", {{"email", "admin@example.com"}, {"password", "admin-password-42"}});
    EXPECT_EQ(login.status, 200) << login.body;
    return {{"Authorization", "Bearer " + login.json().value("access_token", "")}};
  }

  HttpResult post(const std::string& path, const json& body, const std::map<std::string, std::string>& auth) {
    return HttpClient(host_->port()).post(path, body, auth);
  }
  HttpResult get(const std::string& path, const std::map<std::string, std::string>& auth) {
    return HttpClient(host_->port()).get(path, auth);
  }
  HttpResult put(const std::string& path, const json& body, const std::map<std::string, std::string>& auth) {
    return HttpClient(host_->port()).request("PUT", path, body.dump(), auth);
  }

  static void expectInvalid(const HttpResult& response, const std::string& field, const std::string& issue = "") {
    EXPECT_EQ(response.status, 422) << response.body;
    auto body = response.json();
    EXPECT_EQ(body["error"]["code"], "VALIDATION_ERROR") << response.body;
    EXPECT_EQ(body["error"]["details"]["field"], field) << response.body;
    if (!issue.empty()) {
      EXPECT_EQ(body["error"]["details"]["issue"], issue) << response.body;
    }
  }

  /// One value straight from the host's database (not through the API), or
  /// "<none>" when no row matches: what storage really holds.
  std::string storedValue(const std::string& sql, const std::string& param) {
    return onDatabase(sql, {param});
  }

  /// Runs `sql` (with `?` for each of `params`) on the host's database
  /// behind its back; the first column of the first row, or "<none>".
  std::string onDatabase(const std::string& sql, const std::vector<std::string>& params) {
    if (databaseUrl_.empty()) {
      sqlite3* db = nullptr;
      sqlite3_open_v2((host_->dataDir() + "/orchestrator.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
      sqlite3_busy_timeout(db, 5000);
      sqlite3_stmt* statement = nullptr;
      sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr);
      for (std::size_t i = 0; i < params.size(); ++i)
        sqlite3_bind_text(statement, static_cast<int>(i + 1), params[i].c_str(), -1, SQLITE_TRANSIENT);
      std::string value = "<none>";
      if (sqlite3_step(statement) == SQLITE_ROW) {
        auto text = sqlite3_column_text(statement, 0);
        value = text ? reinterpret_cast<const char*>(text) : "<null>";
      }
      sqlite3_finalize(statement);
      sqlite3_close(db);
      return value;
    }
    PGconn* connection = PQconnectdb(databaseUrl_.c_str());
    std::string postgresSql;
    int mark = 0;
    for (char c : sql) postgresSql += c == '?' ? "$" + std::to_string(++mark) : std::string(1, c);
    std::vector<const char*> values;
    for (const auto& param : params) values.push_back(param.c_str());
    PGresult* result = PQexecParams(connection, postgresSql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                                    nullptr, nullptr, 0);
    std::string value = PQresultStatus(result) != PGRES_TUPLES_OK || PQntuples(result) == 0 ? "<none>"
                        : PQgetisnull(result, 0, 0)                                          ? "<null>"
                                                                                             : PQgetvalue(result, 0, 0);
    PQclear(result);
    PQfinish(connection);
    return value;
  }

  /// Hosts killAndRestart killed: each owns the data folder a later host runs on (declared first, so destroyed last).
  std::vector<std::unique_ptr<HostProcess>> killed_;
  std::unique_ptr<HostProcess> host_;
  std::map<std::string, std::string> env_;
  std::string databaseUrl_;
  std::map<std::string, std::string> alice_, bob_;
};

} // namespace workflows_test
