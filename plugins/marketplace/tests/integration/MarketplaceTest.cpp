// The marketplace end to end: real hosts (auth, workflows, agents,
// credentials, realtime, marketplace, the SDK's hello_steps and a payment
// provider stand-in) on SQLite and PostgreSQL, with two users in two
// organizations: publish, browse, install, run, upgrade, unpublish; metrics
// after a known sequence; signed bundles across two hosts; every bad body.
#include "Executions.h"
#include "WebSocketClient.h"
#include "WorkflowsHost.h"

#include "Eventually.h"

#include <orchestrator/time.hpp>

#include <algorithm>

namespace {

using namespace workflows_test;
using orch::test::WebSocketClient;

/// A native definition: start, greet (a step type of the plugin hello_steps), and a transform that says `says`.
json greetingGraph(const std::string& says) {
  return {{"nodes", {{{"id", "start"}, {"type", "start"}},
                     {{"id", "hello"}, {"type", "greet"}, {"data", {{"name", "Ada"}}}},
                     {{"id", "answer"}, {"type", "transform"}, {"data", {{"mapping", {{"says", says}}}}}}}},
          {"edges", {{{"id", "e1"}, {"source", "start"}, {"target", "hello"}}, {{"id", "e2"}, {"source", "hello"}, {"target", "answer"}}}}};
}

/// Start and a transform: runs on a host without hello_steps.
json plainGraph(const std::string& says) {
  return {{"nodes", {{{"id", "start"}, {"type", "start"}},
                     {{"id", "answer"}, {"type", "transform"}, {"data", {{"mapping", {{"says", says}}}}}}}},
          {"edges", {{{"id", "e1"}, {"source", "start"}, {"target", "answer"}}}}};
}

const std::string kSecret = "s3cret-crm-token-never-travels";

std::string pluginsWith(const std::string& tag, bool helloSteps) {
  std::vector<std::string> files = {ORCH_PLUGIN_DIR "/auth.so",        ORCH_PLUGIN_DIR "/workflows.so",
                                    ORCH_PLUGIN_DIR "/agents.so",      ORCH_PLUGIN_DIR "/credentials.so",
                                    ORCH_PLUGIN_DIR "/realtime.so",    ORCH_PLUGIN_DIR "/marketplace.so",
                                    ORCH_FIXTURE_PLUGIN_DIR "/billing/billing_probe.so"};
  if (helloSteps) files.push_back(ORCH_FIXTURE_PLUGIN_DIR "/hello_steps.so");
  return orch::test::linkedPluginFolder(tag, files);
}

class Marketplace : public WorkflowsHost {
protected:
  std::string pluginsDir() const override {
    static const std::string folder = pluginsWith("marketplace", true);
    return folder;
  }
  std::string extraConfig() const override {
    return "marketplace.public_url = https://market.example.com/\nmarketplace.billing_interval_ms = 100\n"
           "workflows.engine.poll_ms = 50\nbilling_probe.limit_cents = 100000\n";
  }

  void SetUp() override {
    WorkflowsHost::SetUp();
    carol_ = userToken("carol@example.com");
    alpha_ = post("/api/v1/organizations", {{"name", "Alpha"}, {"slug", "alpha"}}, alice_).json()["id"].get<std::string>();
    beta_ = post("/api/v1/organizations", {{"name", "Beta"}, {"slug", "beta"}}, bob_).json()["id"].get<std::string>();
    ASSERT_EQ(post("/api/v1/organizations/" + beta_ + "/members", {{"email", "carol@example.com"}, {"role", "member"}}, bob_).status, 201);
    alice_ = userToken("alice@example.com"); // fresh logins carry the memberships
    bob_ = userToken("bob@example.com");
    carol_ = userToken("carol@example.com");
  }

  HttpResult del(const std::string& path, const std::map<std::string, std::string>& auth) {
    return HttpClient(host_->port()).request("DELETE", path, "", auth);
  }

  /// An agent of alice's in Alpha, from `definition`.
  json agent(const std::string& name, const json& definition) {
    auto created = post("/api/v1/agents", {{"name", name}, {"description", "Answers support tickets"}, {"status", "active"},
                                           {"owner_type", "organization"}, {"organization_id", alpha_}, {"definition", definition}},
                        alice_);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.json();
  }

  json published(const std::string& agentId, const json& body) {
    auto answer = post("/api/v1/agents/" + agentId + "/publish", body, alice_);
    EXPECT_EQ(answer.status, 200) << answer.body;
    return answer.json();
  }

  json installed(const std::string& listingId, const json& body, const std::map<std::string, std::string>& auth) {
    auto answer = post("/api/v1/marketplace/listings/" + listingId + "/install", body, auth);
    EXPECT_EQ(answer.status, 201) << answer.body;
    return answer.json();
  }

  /// Runs the agent's workflow for `auth` and waits for it to end; the execution.
  json ran(const json& agent, const std::map<std::string, std::string>& auth) {
    auto started = post("/api/v1/workflows/" + agent["workflow_id"].get<std::string>() + "/execute", {{"input_data", json::object()}}, auth);
    EXPECT_EQ(started.status, 202) << started.body;
    return orch::test::awaitExecution(host_->port(), started.json().value("execution_id", ""), auth);
  }

  /// usage_metrics of alice's agent once `wanted` holds for them.
  json metricsOnce(const std::string& agentId, const std::function<bool(const json&)>& wanted) {
    json seen;
    EXPECT_TRUE(orch::test::eventually([&] {
      seen = get("/api/v1/agents/" + agentId + "/marketplace", alice_).json()["usage_metrics"];
      return wanted(seen);
    })) << seen.dump();
    return seen;
  }

  std::map<std::string, std::string> carol_;
  std::string alpha_, beta_;
};

TEST_P(Marketplace, PublishBrowseInstallRunUpgradeAndUnpublish) {
  auto token = alice_["Authorization"].substr(7);
  WebSocketClient aliceEvents(host_->port(), "/api/ws/" + get("/api/v1/auth/me", alice_).json()["id"].get<std::string>() + "?token=" + token);
  ASSERT_TRUE(aliceEvents.until("connected").is_object());

  auto credential = post("/api/v1/credentials", {{"name", "crm-key"}, {"type", "bearer"}, {"value", kSecret}, {"organization_id", alpha_}}, alice_);
  ASSERT_EQ(credential.status, 201) << credential.body;
  auto original = agent("Support bot", greetingGraph("v1"));
  auto agentId = original["id"].get<std::string>();
  // A second workflow of the agent, with a credential by id: it travels by name.
  json sync = {{"nodes", {{{"id", "start"}, {"type", "start"}},
                          {{"id", "push"}, {"type", "api_call"}, {"data", {{"url", "https://crm.example.com/tickets"}, {"method", "GET"},
                                                                          {"credential_id", credential.json()["id"]}}}}}},
               {"edges", {{{"id", "e1"}, {"source", "start"}, {"target", "push"}}}}};
  ASSERT_EQ(post("/api/v1/agents/" + agentId + "/workflows", {{"name", "Sync CRM"}, {"organization_id", alpha_}, {"definition", sync}}, alice_).status, 201);

  // Seed 004's body as written.
  auto publish = published(agentId, {{"marketplace_name", "hyphrki"},
                                     {"pricing", {{"type", "subscription"}, {"amount", 29.99}, {"currency", "USD"}, {"interval", "monthly"}}},
                                     {"description", "AI-powered customer support agent"},
                                     {"tags", {"customer-support", "ai", "automation"}},
                                     {"readme", "# Support bot\nAnswers tickets."}});
  auto listingId = publish["integration_id"].get<std::string>();
  EXPECT_EQ(publish["marketplace_agent_id"], "hyphrki-agent-" + listingId);
  EXPECT_EQ(publish["status"], "published");
  EXPECT_TRUE(orch::parseRfc3339(publish["published_at"].get<std::string>())) << publish.dump();
  EXPECT_EQ(publish["marketplace_url"], "https://market.example.com/agents/hyphrki-agent-" + listingId);
  auto event = aliceEvents.until("marketplace_update");
  EXPECT_EQ(event["data"]["integration_id"], listingId) << event.dump();
  EXPECT_EQ(event["data"]["status"], "published");
  EXPECT_EQ(event["data"]["usage_metrics"]["total_downloads"], 0);

  // Bob, in another organization, finds it.
  auto found = get("/api/v1/marketplace/listings?search=SUPPORT&tags=ai,automation&framework=native&pricing_type=subscription", bob_).json();
  ASSERT_EQ(found["total"], 1) << found.dump();
  EXPECT_EQ(found["listings"][0]["id"], listingId);
  EXPECT_EQ(found["listings"][0]["pricing"], (json{{"type", "subscription"}, {"amount", 29.99}, {"currency", "USD"}, {"interval", "monthly"}}));
  EXPECT_EQ(get("/api/v1/marketplace/listings?tags=ai,finance", bob_).json()["total"], 0);
  EXPECT_EQ(get("/api/v1/marketplace/listings?pricing_type=free", bob_).json()["total"], 0);
  auto detail = get("/api/v1/marketplace/listings/" + listingId, bob_).json();
  EXPECT_EQ(detail["readme"], "# Support bot\nAnswers tickets.");
  EXPECT_EQ(detail["versions"].size(), 1u) << detail.dump();
  EXPECT_EQ(detail["publisher"]["organization_id"], alpha_);
  EXPECT_EQ(detail["requires"]["credentials"], (json::array({{{"name", "crm-key"}, {"type", "bearer"}}})));
  bool greetFromHelloSteps = false;
  for (const auto& stepType : detail["requires"]["step_types"])
    greetFromHelloSteps = greetFromHelloSteps || (stepType["type"] == "greet" && stepType["plugin"] == "hello_steps");
  EXPECT_TRUE(greetFromHelloSteps) << detail.dump();
  EXPECT_EQ(detail["rating"], (json{{"average", 0.0}, {"count", 0}}));

  // Installed into Beta: the agent and its workflow, the credential listed as missing, never copied.
  auto install = installed(listingId, {{"organization_id", beta_}}, bob_);
  auto copy = install["agent"];
  EXPECT_NE(copy["id"], agentId);
  EXPECT_EQ(copy["organization_id"], beta_);
  EXPECT_EQ(copy["owner_type"], "organization");
  EXPECT_EQ(copy["version"], "1.0.0");
  EXPECT_EQ(install["version"], 1);
  EXPECT_EQ(install["missing_credentials"], (json::array({{{"name", "crm-key"}, {"type", "bearer"}}})));
  auto copiedSync = get("/api/v1/workflows/" + install["workflow_ids"]["0"].get<std::string>(), carol_);
  ASSERT_EQ(copiedSync.status, 200) << copiedSync.body;
  EXPECT_EQ(copiedSync.json()["name"], "Sync CRM");
  EXPECT_NE(copiedSync.body.find("\"credential_name\":\"crm-key\""), std::string::npos) << copiedSync.body;
  EXPECT_EQ(copiedSync.body.find(credential.json()["id"].get<std::string>()), std::string::npos);
  EXPECT_EQ(storedValue("SELECT COUNT(*) FROM mk_versions WHERE bundle LIKE ?", "%" + kSecret + "%"), "0");
  EXPECT_EQ(get("/api/v1/agents/" + copy["id"].get<std::string>(), alice_).status, 404) << "the copy is Beta's";

  auto run = ran(copy, carol_);
  EXPECT_EQ(run["status"], "completed") << run.dump();
  EXPECT_NE(run.dump().find("Hello, Ada!"), std::string::npos) << run.dump();
  auto metrics = metricsOnce(agentId, [](const json& m) { return m["active_users"] == 1; });
  EXPECT_EQ(metrics, (json{{"total_downloads", 1}, {"active_users", 1}, {"revenue", 29.99}}));

  // A new version: publishing again.
  ASSERT_EQ(put("/api/v1/agents/" + agentId, {{"definition", greetingGraph("v2")}}, alice_).status, 200);
  auto again = published(agentId, {{"marketplace_name", "hyphrki"}, {"description", "Now in v2"},
                                   {"pricing", {{"type", "subscription"}, {"amount", 29.99}, {"interval", "monthly"}}}});
  EXPECT_EQ(again["integration_id"], listingId);
  EXPECT_EQ(again["version"], 2);
  EXPECT_EQ(get("/api/v1/marketplace/listings/" + listingId, bob_).json()["versions"].size(), 2u);
  EXPECT_EQ(ran(copy, bob_).dump().find("v2"), std::string::npos) << "pinned to version 1 until upgraded";
  auto upgraded = post("/api/v1/agents/" + copy["id"].get<std::string>() + "/upgrade", json::object(), bob_);
  ASSERT_EQ(upgraded.status, 200) << upgraded.body;
  EXPECT_EQ(upgraded.json()["upgraded"], true);
  EXPECT_EQ(upgraded.json()["from_version"], 1);
  EXPECT_EQ(upgraded.json()["to_version"], 2);
  EXPECT_EQ(upgraded.json()["agent"]["version"], "1.1.0") << "the publisher's version of v2";
  EXPECT_NE(ran(copy, bob_).dump().find("v2"), std::string::npos);
  EXPECT_EQ(post("/api/v1/agents/" + copy["id"].get<std::string>() + "/upgrade", json::object(), bob_).json()["upgraded"], false);

  // Unpublished: out of the catalogue, the copy still runs.
  auto unpublished = post("/api/v1/agents/" + agentId + "/unpublish", json::object(), alice_);
  ASSERT_EQ(unpublished.status, 200) << unpublished.body;
  EXPECT_EQ(unpublished.json()["status"], "unpublished");
  EXPECT_EQ(unpublished.json()["integration_id"], listingId);
  EXPECT_TRUE(unpublished.json()["unpublished_at"].is_string());
  // Every change reached the publisher: the install, a new active user, the second version, the unpublish.
  std::vector<std::string> changes;
  while (changes.empty() || changes.back() != "unpublished") {
    auto update = aliceEvents.until("marketplace_update");
    ASSERT_TRUE(update.is_object());
    changes.push_back(update["data"]["change"].get<std::string>());
    EXPECT_EQ(update["data"]["integration_id"], listingId);
  }
  for (const char* change : {"installed", "metrics", "published"})
    EXPECT_NE(std::find(changes.begin(), changes.end(), change), changes.end()) << change;
  EXPECT_EQ(get("/api/v1/marketplace/listings", bob_).json()["total"], 0);
  EXPECT_EQ(get("/api/v1/marketplace/listings?tags=ai", bob_).json()["total"], 0) << "the tag rows left with it";
  EXPECT_EQ(get("/api/v1/marketplace/listings/" + listingId, bob_).status, 404);
  EXPECT_EQ(get("/api/v1/marketplace/listings/" + listingId, alice_).status, 200) << "the publisher still sees it";
  EXPECT_EQ(post("/api/v1/marketplace/listings/" + listingId + "/install", json::object(), carol_).status, 404);
  EXPECT_EQ(ran(copy, bob_)["status"], "completed");
  EXPECT_EQ(post("/api/v1/agents/" + copy["id"].get<std::string>() + "/upgrade", json::object(), bob_).status, 409);
  EXPECT_EQ(get("/api/v1/agents/" + agentId + "/marketplace", alice_).json()["status"], "unpublished");
  EXPECT_EQ(post("/api/v1/agents/" + agentId + "/unpublish", json::object(), alice_).status, 409);
  // Published again, it is back.
  published(agentId, {{"tags", {"ai"}}, {"pricing", {{"type", "one_time"}, {"amount", 5}}}});
  EXPECT_EQ(get("/api/v1/marketplace/listings", bob_).json()["total"], 1);
  EXPECT_EQ(get("/api/v1/marketplace/listings?tags=ai&pricing_type=one_time", bob_).json()["total"], 1);
  EXPECT_EQ(get("/api/v1/marketplace/listings?tags=ai&pricing_type=subscription", bob_).json()["total"], 0) << "the new price";
  EXPECT_EQ(get("/api/v1/marketplace/listings?tags=automation", bob_).json()["total"], 0) << "the new tags";
}

TEST_P(Marketplace, MetricsAddUpExactlyFromInstallsRunsAndCharges) {
  auto a = agent("One-time bot", greetingGraph("once"));
  auto aId = a["id"].get<std::string>();
  auto listing = published(aId, {{"pricing", {{"type", "one_time"}, {"amount", 10}, {"currency", "EUR"}}}})["integration_id"].get<std::string>();
  auto bobs = installed(listing, json::object(), bob_)["agent"];
  auto betas = installed(listing, {{"organization_id", beta_}}, carol_)["agent"];
  ran(bobs, bob_);
  ran(bobs, bob_);
  ran(betas, carol_);
  ran(betas, bob_); // bob again: still two users
  auto metrics = metricsOnce(aId, [](const json& m) { return m["active_users"] == 2; });
  EXPECT_EQ(metrics, (json{{"total_downloads", 2}, {"active_users", 2}, {"revenue", 20.0}}));
  auto charges = get("/api/v1/billing-probe/charges", alice_).json()["charges"];
  ASSERT_EQ(charges.size(), 2u) << charges.dump();
  EXPECT_EQ(charges[0]["amount_cents"], 1000);
  EXPECT_EQ(charges[0]["currency"], "EUR");
  EXPECT_EQ(charges[1]["payer_organization_id"], beta_);
  EXPECT_EQ(storedValue("SELECT reference FROM mk_ledger WHERE listing_id = ? ORDER BY reference LIMIT 1", listing), "probe-1");

  // A subscription: charged at the install, then once per period while the copy is installed.
  auto s = agent("Subscribed bot", plainGraph("monthly"));
  auto sId = s["id"].get<std::string>();
  auto subscription = published(sId, {{"pricing", {{"type", "subscription"}, {"amount", 5.5}, {"interval", "monthly"}}}})["integration_id"].get<std::string>();
  auto install = installed(subscription, json::object(), bob_);
  EXPECT_EQ(metricsOnce(sId, [](const json&) { return true; })["revenue"], 5.5);
  auto installId = install["install_id"].get<std::string>();
  auto nextCharge = orch::parseRfc3339(storedValue("SELECT next_charge_at FROM mk_installs WHERE id = ?", installId));
  ASSERT_TRUE(nextCharge);
  EXPECT_GT(*nextCharge, orch::nowMs() + 27LL * 86400000) << "a month after the install";
  // The month is over (as the host sees its rows): the timer charges the next period, once.
  onDatabase("UPDATE mk_installs SET next_charge_at = ? WHERE id = ?", {orch::rfc3339(orch::nowSeconds() - 3600), installId});
  EXPECT_EQ(metricsOnce(sId, [](const json& m) { return m["revenue"] == 11.0; })["revenue"], 11.0);
  auto after = orch::parseRfc3339(storedValue("SELECT next_charge_at FROM mk_installs WHERE id = ?", installId));
  ASSERT_TRUE(after);
  EXPECT_GT(*after, orch::nowMs() + 26LL * 86400000) << "the period after the one charged, a calendar month on";
  EXPECT_EQ(storedValue("SELECT COUNT(*) FROM mk_ledger WHERE install_id = ?", installId), "2");
  // Deleted, the copy is no longer installed: no more charges.
  ASSERT_EQ(del("/api/v1/agents/" + install["agent"]["id"].get<std::string>(), bob_).status, 200);
  EXPECT_TRUE(orch::test::eventually([&] { return storedValue("SELECT removed_at FROM mk_installs WHERE id = ?", installId) != "<null>"; }));
  EXPECT_EQ(storedValue("SELECT next_charge_at FROM mk_installs WHERE id = ?", installId), "<null>");
  EXPECT_EQ(metricsOnce(sId, [](const json&) { return true; }), (json{{"total_downloads", 1}, {"active_users", 0}, {"revenue", 11.0}}));

  // Declined by the payment provider: nothing installed, nothing counted.
  auto p = agent("Pricey bot", plainGraph("pricey"));
  auto pricey = published(p["id"].get<std::string>(), {{"pricing", {{"type", "one_time"}, {"amount", 2000}}}})["integration_id"].get<std::string>();
  auto before = get("/api/v1/agents", bob_).json()["total"];
  auto declined = post("/api/v1/marketplace/listings/" + pricey + "/install", json::object(), bob_);
  EXPECT_EQ(declined.status, 402) << declined.body;
  EXPECT_EQ(declined.json()["error"]["code"], "PAYMENT_REQUIRED");
  EXPECT_EQ(get("/api/v1/agents", bob_).json()["total"], before);
  EXPECT_EQ(metricsOnce(p["id"].get<std::string>(), [](const json&) { return true; }), (json{{"total_downloads", 0}, {"active_users", 0}, {"revenue", 0.0}}));
}

TEST_P(Marketplace, ReviewsComeOnlyFromTenantsThatInstalledOnceEach) {
  auto first = published(agent("Rated bot", plainGraph("r"))["id"].get<std::string>(), json::object())["integration_id"].get<std::string>();
  auto second = published(agent("Other bot", plainGraph("o"))["id"].get<std::string>(), json::object())["integration_id"].get<std::string>();
  auto review = [&](const std::string& listing, const json& body, const std::map<std::string, std::string>& auth) {
    return post("/api/v1/marketplace/listings/" + listing + "/reviews", body, auth);
  };
  EXPECT_EQ(review(first, {{"rating", 5}}, bob_).status, 403) << "not installed";
  installed(first, json::object(), bob_);
  installed(first, {{"organization_id", beta_}}, carol_);
  installed(second, json::object(), bob_);
  expectInvalid(review(first, {{"rating", 6}}, bob_), "rating");
  expectInvalid(review(first, {{"rating", "5"}}, bob_), "rating");
  EXPECT_EQ(review(first, {{"rating", 4}, {"review", "Solid"}}, bob_).status, 201);
  EXPECT_EQ(review(first, {{"rating", 1}}, bob_).status, 409) << "one each";
  auto org = review(first, {{"rating", 2}, {"organization_id", beta_}}, carol_);
  EXPECT_EQ(org.status, 201) << org.body;
  EXPECT_EQ(org.json()["listing_rating"], (json{{"average", 3.0}, {"count", 2}}));
  EXPECT_EQ(review(first, {{"rating", 5}, {"organization_id", beta_}}, bob_).status, 409) << "Beta reviewed it already";
  EXPECT_EQ(review(first, {{"rating", 5}}, carol_).status, 403) << "carol installed only into Beta";
  EXPECT_EQ(review(second, {{"rating", 5}}, bob_).status, 201);
  auto reviews = get("/api/v1/marketplace/listings/" + first + "/reviews", alice_).json();
  EXPECT_EQ(reviews["total"], 2);
  // Sorted: rating, then downloads.
  auto byRating = get("/api/v1/marketplace/listings?sort=rating", alice_).json()["listings"];
  EXPECT_EQ(byRating[0]["id"], second);
  auto byDownloads = get("/api/v1/marketplace/listings?sort=downloads&limit=1", alice_).json();
  EXPECT_EQ(byDownloads["listings"][0]["id"], first);
  EXPECT_EQ(byDownloads["total"], 2);
  EXPECT_EQ(byDownloads["has_next"], true);
}

TEST_P(Marketplace, BundlesTravelBetweenHostsOnlySignedByATrustedKeyAndUnchanged) {
  auto keyA = get("/api/v1/marketplace/key", alice_).json()["public_key"].get<std::string>();
  auto plain = agent("Travelling bot", plainGraph("from A"));
  auto exported = get("/api/v1/agents/" + plain["id"].get<std::string>() + "/export", alice_);
  ASSERT_EQ(exported.status, 200) << exported.body;
  auto greeting = get("/api/v1/agents/" + agent("Greeting bot", greetingGraph("hi"))["id"].get<std::string>() + "/export", alice_).json();

  // Host B: its own storage, no hello_steps, and A's key trusted.
  auto env = env_;
  if (GetParam() == Backend::Postgres) env["ORCH_STORAGE__URL"] = orch::test::freshPostgresDatabase();
  static const std::string folderB = pluginsWith("marketplace-b", false);
  HostProcess b({.pluginsDir = folderB, .config = "ratelimit.enabled = false\nmarketplace.trusted_keys = " + keyA + "\n", .env = env});
  HttpClient(b.port()).post("/api/v1/auth/register", {{"email", "dora@example.com"}, {"password", "a long passphrase 7"}});
  auto login = HttpClient(b.port()).post("/api/v1/auth/login", {{"email", "dora@example.com"}, {"password", "a long passphrase 7"}});
  std::map<std::string, std::string> dora = {{"Authorization", "Bearer " + login.json()["access_token"].get<std::string>()}};
  auto agentsOnB = [&] { return HttpClient(b.port()).get("/api/v1/agents", dora).json()["total"]; };

  // Changed by one byte: refused, nothing made.
  auto tampered = exported.body;
  tampered.replace(tampered.find("from A"), 6, "from B");
  auto refused = HttpClient(b.port()).request("POST", "/api/v1/agents/import", tampered, dora);
  expectInvalid(refused, "bundle", "The bundle's content does not match its digest: it was changed after it was signed");
  auto broken = HttpClient(b.port()).request("POST", "/api/v1/agents/import", exported.body.substr(0, exported.body.size() - 1), dora);
  EXPECT_EQ(broken.status, 400) << broken.body;
  // A step type this host lacks: a 409 naming its plugin.
  auto missing = HttpClient(b.port()).post("/api/v1/agents/import", greeting, dora);
  EXPECT_EQ(missing.status, 409) << missing.body;
  EXPECT_EQ(missing.json()["error"]["details"]["plugin"], "hello_steps") << missing.body;
  EXPECT_NE(missing.json()["error"]["message"].get<std::string>().find("'hello_steps'"), std::string::npos);
  EXPECT_EQ(agentsOnB(), 0);

  // As exported, it imports and runs on B.
  auto imported = HttpClient(b.port()).request("POST", "/api/v1/agents/import", exported.body, dora);
  ASSERT_EQ(imported.status, 201) << imported.body;
  auto copy = imported.json()["agent"];
  EXPECT_EQ(copy["name"], "Travelling bot");
  EXPECT_EQ(agentsOnB(), 1);
  auto started = HttpClient(b.port()).post("/api/v1/workflows/" + copy["workflow_id"].get<std::string>() + "/execute", json::object(), dora);
  ASSERT_EQ(started.status, 202) << started.body;
  auto run = orch::test::awaitExecution(b.port(), started.json()["execution_id"].get<std::string>(), dora);
  EXPECT_EQ(run["status"], "completed");
  EXPECT_NE(run.dump().find("from A"), std::string::npos);

  // B's bundle on A, which has not trusted B's key: refused, naming the key.
  auto fromB = HttpClient(b.port()).get("/api/v1/agents/" + copy["id"].get<std::string>() + "/export", dora).json();
  auto keyB = HttpClient(b.port()).get("/api/v1/marketplace/key", dora).json()["public_key"].get<std::string>();
  EXPECT_EQ(fromB["public_key"], keyB);
  EXPECT_NE(keyA, keyB);
  expectInvalid(post("/api/v1/agents/import", fromB, bob_), "bundle",
                "The bundle is signed by key " + keyB + ", which this host does not trust (marketplace.trusted_keys)");
}

TEST_P(Marketplace, BadRequestsAreClearErrorsAndChangeNothing) {
  auto id = agent("Checked bot", plainGraph("x"))["id"].get<std::string>();
  auto publish = [&](const json& body) { return post("/api/v1/agents/" + id + "/publish", body, alice_); };
  expectInvalid(publish({{"pricing", {{"type", "weird"}}}}), "pricing.type");
  expectInvalid(publish({{"pricing", "free"}}), "pricing");
  expectInvalid(publish({{"pricing", {{"amount", 3}}}}), "pricing.type");
  expectInvalid(publish({{"pricing", {{"type", "one_time"}}}}), "pricing.amount");
  expectInvalid(publish({{"pricing", {{"type", "one_time"}, {"amount", -1}}}}), "pricing.amount");
  expectInvalid(publish({{"pricing", {{"type", "one_time"}, {"amount", 1.234}}}}), "pricing.amount");
  expectInvalid(publish({{"pricing", {{"type", "one_time"}, {"amount", 1}, {"currency", "usd"}}}}), "pricing.currency");
  expectInvalid(publish({{"pricing", {{"type", "subscription"}, {"amount", 1}}}}), "pricing.interval");
  expectInvalid(publish({{"tags", "ai"}}), "tags");
  expectInvalid(publish({{"tags", {1}}}), "tags");
  expectInvalid(publish({{"marketplace_name", "Not A Slug"}}), "marketplace_name");
  expectInvalid(publish({{"description", 5}}), "description");
  EXPECT_EQ(HttpClient(host_->port()).request("POST", "/api/v1/agents/" + id + "/publish", "{bad", alice_).status, 400);
  EXPECT_EQ(post("/api/v1/agents/" + id + "/publish", json::object(), bob_).status, 404) << "another tenant's agent";
  EXPECT_EQ(post("/api/v1/agents/" + id + "/publish", json::object(), {}).status, 401);
  auto empty = post("/api/v1/agents", {{"name", "Empty"}}, alice_).json()["id"].get<std::string>();
  expectInvalid(post("/api/v1/agents/" + empty + "/publish", json::object(), alice_), "definition");
  EXPECT_EQ(get("/api/v1/agents/" + id + "/marketplace", alice_).status, 404) << "never published";
  EXPECT_EQ(post("/api/v1/agents/" + id + "/unpublish", json::object(), alice_).status, 404);
  EXPECT_EQ(get("/api/v1/marketplace/listings", bob_).json()["total"], 0) << "no refused publish left a listing";

  auto listing = published(id, json::object())["integration_id"].get<std::string>();
  auto install = [&](const json& body) { return post("/api/v1/marketplace/listings/" + listing + "/install", body, bob_); };
  expectInvalid(install({{"version", 99}}), "version");
  expectInvalid(install({{"version", "1"}}), "version");
  expectInvalid(install({{"organization_id", alpha_}}), "organization_id");
  EXPECT_EQ(post("/api/v1/marketplace/listings/no-such-listing/install", json::object(), bob_).status, 404);
  EXPECT_EQ(get("/api/v1/agents", bob_).json()["total"], 0) << "no refused install left an agent";
  expectInvalid(get("/api/v1/marketplace/listings?sort=price", bob_), "sort");
  expectInvalid(get("/api/v1/marketplace/listings?pricing_type=cheap", bob_), "pricing_type");
  expectInvalid(get("/api/v1/marketplace/listings?page=0", bob_), "page");

  auto copy = installed(listing, json::object(), bob_)["agent"]["id"].get<std::string>();
  EXPECT_EQ(post("/api/v1/agents/" + copy + "/publish", json::object(), bob_).status, 409) << "a copy is not republished";
  EXPECT_EQ(post("/api/v1/agents/" + id + "/upgrade", json::object(), alice_).status, 409) << "not an installed copy";
  EXPECT_EQ(post("/api/v1/agents/" + copy + "/upgrade", json::object(), alice_).status, 404) << "another tenant's copy";

  expectInvalid(post("/api/v1/agents/import", {{"format", "orchestrator.agent-bundle/1"}}, bob_), "bundle");
  expectInvalid(HttpClient(host_->port()).request("POST", "/api/v1/agents/import", "[1]", bob_), "body");
  EXPECT_EQ(get("/api/v1/agents", bob_).json()["total"], 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, Marketplace, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

} // namespace
