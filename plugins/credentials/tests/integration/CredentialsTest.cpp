// Credentials end to end: a real host (auth, workflows, credentials) on
// SQLite and PostgreSQL, a real SMTP server that asks for a login, and the
// database read directly to check that it holds no secret in plain text.
#include "Files.h"
#include "LocalHttpServer.h"
#include "SmtpServer.h"
#include "WorkflowsHost.h"

#include <fstream>
#include <sstream>

namespace {

using namespace workflows_test;
using orch::test::LocalHttpServer;
using orch::test::SmtpServer;

constexpr const char* kPassword = "correct-horse-battery-staple-77";

class Credentials : public WorkflowsHost {
protected:
  std::string pluginsDir() const override {
    static const std::string folder = orch::test::linkedPluginFolder(
        "credentials", {ORCH_PLUGIN_DIR "/auth.so", ORCH_PLUGIN_DIR "/workflows.so", ORCH_PLUGIN_DIR "/credentials.so"});
    return folder;
  }
  std::string extraConfig() const override { return extra_; }

  json smtpCredential(const std::string& name, const std::map<std::string, std::string>& auth) {
    auto created = post("/api/v1/credentials",
                        {{"name", name}, {"type", "smtp"}, {"description", "the mailer's login"},
                         {"data", {{"username", "mailer"}, {"password", kPassword}}}},
                        auth);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.json();
  }

  /// Every byte the SQLite database keeps on disk (file and write-ahead log).
  std::string databaseBytes() const {
    std::string bytes;
    for (const auto* suffix : {"", "-wal"}) bytes += orch::test::readFile(host_->dataDir() + "/orchestrator.db" + suffix);
    return bytes;
  }

  std::string extra_;
};

TEST_P(Credentials, AreStoredSealedAndNeverAnswered) {
  auto created = smtpCredential("mailer", alice_);
  auto id = created.value("id", "");
  EXPECT_EQ(created["type"], "smtp");
  EXPECT_EQ(created["fields"], json::array({"password", "username"}));
  EXPECT_EQ(created["status"], "active");
  EXPECT_EQ(created.dump().find(kPassword), std::string::npos) << "the secret is never answered";

  auto one = get("/api/v1/credentials/" + id, alice_);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.body.find(kPassword), std::string::npos);
  EXPECT_EQ(one.json()["name"], "mailer");
  auto list = get("/api/v1/credentials", alice_);
  EXPECT_EQ(list.json()["total"], 1);
  EXPECT_EQ(list.body.find(kPassword), std::string::npos);

  // Another user sees nothing of it.
  EXPECT_EQ(get("/api/v1/credentials/" + id, bob_).status, 404);
  EXPECT_EQ(get("/api/v1/credentials", bob_).json()["total"], 0);
  EXPECT_EQ(HttpClient(host_->port()).request("DELETE", "/api/v1/credentials/" + id, "", bob_).status, 404);

  // At rest: sealed, with no plain text anywhere in the database.
  auto sealed = storedValue("SELECT secret FROM cr_credentials WHERE id = ?", id);
  EXPECT_GT(sealed.size(), 40u);
  EXPECT_EQ(sealed.find(kPassword), std::string::npos);
  if (GetParam() == Backend::Sqlite) {
    EXPECT_EQ(databaseBytes().find(kPassword), std::string::npos);
  }
  host_->waitForLogToCatchUp();
  EXPECT_EQ(host_->logs().find(kPassword), std::string::npos) << "nor in the log";

  EXPECT_EQ(HttpClient(host_->port()).request("DELETE", "/api/v1/credentials/" + id, "", alice_).status, 204);
  EXPECT_EQ(get("/api/v1/credentials/" + id, alice_).status, 404);
}

TEST_P(Credentials, RefuseWhatIsIncompleteOrTaken) {
  expectInvalid(post("/api/v1/credentials", {{"type", "bearer"}, {"value", "t"}}, alice_), "name");
  expectInvalid(post("/api/v1/credentials", {{"name", "x"}, {"type", "vault"}, {"value", "t"}}, alice_), "type");
  expectInvalid(post("/api/v1/credentials", {{"name", "x"}, {"type", "basic"}, {"data", {{"username", "u"}}}}, alice_),
                "data.password");
  expectInvalid(post("/api/v1/credentials",
                     {{"name", "x"}, {"type", "bearer"}, {"value", "t"}, {"expires_at", "2001-01-01T00:00:00Z"}}, alice_),
                "expires_at", "Must be in the future");
  expectInvalid(post("/api/v1/credentials", {{"name", "x"}, {"type", "bearer"}, {"value", "t"}, {"expires_at", "soon"}},
                     alice_),
                "expires_at");
  EXPECT_EQ(HttpClient(host_->port()).request("POST", "/api/v1/credentials", "{not json", alice_).status, 400);
  smtpCredential("taken", alice_);
  auto again = post("/api/v1/credentials", {{"name", "taken"}, {"type", "bearer"}, {"value", "t"}}, alice_);
  EXPECT_EQ(again.status, 409) << again.body;
  smtpCredential("taken", bob_); // names are per owner
  EXPECT_EQ(get("/api/v1/credentials", alice_).json()["total"], 1);
}

TEST_P(Credentials, AnEmailStepLogsInWithOne) {
  SmtpServer smtp({.user = "mailer", .password = kPassword});
  // The host knows where the server is, not how to log in.
  extra_ = "smtp.host = 127.0.0.1\nsmtp.port = " + std::to_string(smtp.port()) +
           "\nsmtp.starttls = true\nsmtp.tls.ca_file = " + smtp.certificateFile() + "\nsmtp.from = bot@example.com\n";
  startHost();
  alice_ = userToken("alice@example.com");
  bob_ = userToken("bob@example.com");
  auto credential = smtpCredential("mailer", alice_)["id"].get<std::string>();
  auto workflow = [&](const std::map<std::string, std::string>& auth) {
    auto created = post("/api/v1/workflows",
                        {{"name", "mail"},
                         {"steps", {{{"id", "send"}, {"type", "email"},
                                     {"config", {{"to", "ada@example.com"}, {"subject", "Hi"}, {"body", "Hello"},
                                                 {"credential_id", credential}}}}}}},
                        auth);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.json().value("id", "");
  };
  auto run = [&](const std::string& id, const std::map<std::string, std::string>& auth) {
    return post("/api/v1/workflows/" + id + "/execute",
                {{"execution_mode", "sync"}, {"execution_options", {{"retry_count", 0}}}}, auth)
        .json();
  };
  auto sent = run(workflow(alice_), alice_);
  EXPECT_EQ(sent["status"], "completed") << sent.dump();
  auto messages = smtp.waitForMessages(1);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["user"], "mailer");
  EXPECT_EQ(get("/api/v1/credentials/" + credential, alice_).json()["last_used_at"].is_string(), true);

  // Bob's workflow names Alice's credential: his step cannot use it.
  auto refused = run(workflow(bob_), bob_);
  EXPECT_EQ(refused["status"], "failed") << refused.dump();
  EXPECT_NE(refused.dump().find("not found"), std::string::npos) << refused.dump();
  EXPECT_EQ(smtp.messages().size(), 1u);
}

TEST_P(Credentials, AnApiCallLogsInWithOneAndARedirectElsewhereGoesWithoutIt) {
  LocalHttpServer elsewhere; // another port: another origin
  LocalHttpServer api([&](const LocalHttpServer::Request& request) {
    if (request.path == "/moved") return LocalHttpServer::Reply{302, "", {{"Location", elsewhere.url("/landed")}}};
    return LocalHttpServer::Reply{200, R"({"ok":true})"};
  });
  extra_ = "steps.api_call.allow_private_networks = true\n";
  startHost();
  alice_ = userToken("alice@example.com");
  bob_ = userToken("bob@example.com");
  auto credential = [&](const json& body) {
    auto created = post("/api/v1/credentials", body, alice_);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.json().value("id", "");
  };
  auto bearer = credential({{"name", "bearer"}, {"type", "bearer"}, {"value", "tok-123456"}});
  auto basic = credential({{"name", "basic"}, {"type", "basic"}, {"data", {{"username", "ada"}, {"password", "pa55word"}}}});
  auto apiKey = credential({{"name", "key"}, {"type", "api_key"}, {"data", {{"key", "key-987"}, {"header", "X-Service-Key"}}}});
  auto smtp = smtpCredential("mailer", alice_).value("id", "");
  auto call = [&](const std::string& url, const std::string& credentialId, const std::map<std::string, std::string>& auth) {
    auto workflow = post("/api/v1/workflows",
                         {{"name", "call"},
                          {"steps", {{{"id", "call"}, {"type", "api_call"},
                                      {"config", {{"url", url}, {"credential_id", credentialId}}}}}}},
                         auth);
    EXPECT_EQ(workflow.status, 201) << workflow.body;
    return post("/api/v1/workflows/" + workflow.json().value("id", "") + "/execute",
                {{"execution_mode", "sync"}, {"execution_options", {{"retry_count", 0}}}}, auth)
        .json();
  };
  auto lastAuthorization = [&](const std::string& header) {
    auto requests = api.requests();
    return requests.empty() || !requests.back().headers.contains(header) ? std::string("<none>")
                                                                          : requests.back().headers.at(header);
  };

  auto done = call(api.url("/bearer"), bearer, alice_);
  EXPECT_EQ(done["status"], "completed") << done.dump();
  EXPECT_EQ(lastAuthorization("authorization"), "Bearer tok-123456");
  EXPECT_EQ(done.dump().find("tok-123456"), std::string::npos) << "the secret stays out of the execution";
  EXPECT_EQ(call(api.url("/basic"), basic, alice_)["status"], "completed");
  EXPECT_EQ(lastAuthorization("authorization"), "Basic YWRhOnBhNTV3b3Jk");
  EXPECT_EQ(call(api.url("/key"), apiKey, alice_)["status"], "completed");
  EXPECT_EQ(lastAuthorization("x-service-key"), "key-987");
  EXPECT_EQ(lastAuthorization("authorization"), "<none>");

  // Followed to another origin, the call goes on without the login.
  auto moved = call(api.url("/moved"), bearer, alice_);
  EXPECT_EQ(moved["status"], "completed") << moved.dump();
  ASSERT_EQ(elsewhere.requests().size(), 1u);
  EXPECT_EQ(elsewhere.requests()[0].path, "/landed");
  EXPECT_FALSE(elsewhere.requests()[0].headers.contains("authorization"));

  auto requestsSoFar = api.requests().size();
  auto wrongType = call(api.url("/smtp"), smtp, alice_);
  EXPECT_EQ(wrongType["status"], "failed") << wrongType.dump();
  EXPECT_NE(wrongType.dump().find("bearer, basic or api_key"), std::string::npos) << wrongType.dump();
  auto notHis = call(api.url("/bob"), bearer, bob_);
  EXPECT_EQ(notHis["status"], "failed") << notHis.dump();
  EXPECT_NE(notHis.dump().find("not found"), std::string::npos) << notHis.dump();
  EXPECT_EQ(api.requests().size(), requestsSoFar) << "a call whose login fails is not sent";

  // By name, as an n8n node names its credentials: the caller's own of that name.
  auto byName = [&](const std::string& name, const std::map<std::string, std::string>& auth) {
    auto workflow = post("/api/v1/workflows",
                         {{"name", "call by name"},
                          {"steps", {{{"id", "call"}, {"type", "api_call"},
                                      {"config", {{"url", api.url("/named")}, {"credential_name", name}}}}}}},
                         auth);
    EXPECT_EQ(workflow.status, 201) << workflow.body;
    return post("/api/v1/workflows/" + workflow.json().value("id", "") + "/execute",
                {{"execution_mode", "sync"}, {"execution_options", {{"retry_count", 0}}}}, auth)
        .json();
  };
  EXPECT_EQ(byName("bearer", alice_)["status"], "completed");
  EXPECT_EQ(lastAuthorization("authorization"), "Bearer tok-123456");
  auto strangers = byName("bearer", bob_);
  EXPECT_EQ(strangers["status"], "failed") << strangers.dump();
  EXPECT_NE(strangers.dump().find("No credential named 'bearer'"), std::string::npos) << strangers.dump();
  // An admin sees every credential, but by name only its own is ever picked.
  auto admins = byName("bearer", adminToken());
  EXPECT_EQ(admins["status"], "failed") << admins.dump();
  EXPECT_NE(admins.dump().find("No credential named 'bearer'"), std::string::npos) << admins.dump();
}

TEST_P(Credentials, ChangeInPlaceKeepingTheirId) {
  LocalHttpServer api;
  extra_ = "steps.api_call.allow_private_networks = true\n";
  startHost();
  alice_ = userToken("alice@example.com");
  bob_ = userToken("bob@example.com");
  auto created = post("/api/v1/credentials", {{"name", "api"}, {"type", "bearer"}, {"value", "old-token-1"}}, alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  auto id = created.json().value("id", "");
  post("/api/v1/credentials", {{"name", "taken"}, {"type", "bearer"}, {"value", "t"}}, alice_);
  auto sealedBefore = storedValue("SELECT secret FROM cr_credentials WHERE id = ?", id);
  auto patch = [&](const json& body, const std::map<std::string, std::string>& auth) {
    return HttpClient(host_->port()).request("PATCH", "/api/v1/credentials/" + id, body.dump(), auth);
  };

  auto changed = patch({{"name", "api-rotated"}, {"description", "rotated monthly"}, {"value", "new-token-2"}}, alice_);
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(changed.json()["id"], id);
  EXPECT_EQ(changed.json()["name"], "api-rotated");
  EXPECT_EQ(changed.json()["description"], "rotated monthly");
  EXPECT_EQ(changed.body.find("new-token-2"), std::string::npos) << "the secret is never answered";
  auto sealedAfter = storedValue("SELECT secret FROM cr_credentials WHERE id = ?", id);
  EXPECT_NE(sealedAfter, sealedBefore);
  EXPECT_EQ(sealedAfter.find("new-token-2"), std::string::npos);

  // A workflow that names the credential by id uses the new secret.
  auto workflow = post("/api/v1/workflows",
                       {{"name", "call"},
                        {"steps", {{{"id", "call"}, {"type", "api_call"},
                                    {"config", {{"url", api.url("/x")}, {"credential_id", id}}}}}}},
                       alice_);
  ASSERT_EQ(workflow.status, 201) << workflow.body;
  auto run = post("/api/v1/workflows/" + workflow.json().value("id", "") + "/execute", {{"execution_mode", "sync"}}, alice_);
  EXPECT_EQ(run.json()["status"], "completed") << run.body;
  ASSERT_EQ(api.requests().size(), 1u);
  EXPECT_EQ(api.requests()[0].headers.at("authorization"), "Bearer new-token-2");

  // Expiry set, then taken away again.
  auto dated = patch({{"expires_at", "2099-01-01T00:00:00Z"}}, alice_);
  EXPECT_EQ(dated.json()["expires_at"], "2099-01-01T00:00:00.000Z") << dated.body;
  auto undated = patch({{"expires_at", nullptr}}, alice_);
  EXPECT_TRUE(undated.json()["expires_at"].is_null()) << undated.body;

  expectInvalid(patch({{"type", "basic"}}, alice_), "type");
  expectInvalid(patch({{"data", {{"username", "x"}}}}, alice_), "data.username");
  expectInvalid(patch({{"expires_at", "2001-01-01T00:00:00Z"}}, alice_), "expires_at", "Must be in the future");
  expectInvalid(patch({{"name", ""}}, alice_), "name");
  EXPECT_EQ(patch({{"name", "taken"}}, alice_).status, 409);
  EXPECT_EQ(HttpClient(host_->port()).request("PATCH", "/api/v1/credentials/" + id, "{not json", alice_).status, 400);
  EXPECT_EQ(patch({{"name", "bobs-now"}}, bob_).status, 404);
  auto unchanged = get("/api/v1/credentials/" + id, alice_).json();
  EXPECT_EQ(unchanged["name"], "api-rotated") << "refused changes leave it as it was";
  EXPECT_EQ(storedValue("SELECT secret FROM cr_credentials WHERE id = ?", id), sealedAfter);
}

INSTANTIATE_TEST_SUITE_P(Backends, Credentials, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "SQLite" : "PostgreSQL"; });

} // namespace
