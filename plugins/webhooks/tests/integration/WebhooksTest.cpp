// Webhook subscriptions end to end: a real host (auth, workflows,
// credentials, webhooks) on SQLite and PostgreSQL delivering to real HTTP
// receivers on loopback that check the Standard Webhooks signature.
#include "LocalHttpServer.h"
#include "StandardWebhooks.h"
#include "WorkflowsHost.h"

#include <atomic>
#include <thread>

namespace {

using namespace workflows_test;
using orch::test::LocalHttpServer;

class Webhooks : public WorkflowsHost {
protected:
  std::string pluginsDir() const override {
    static const std::string folder = orch::test::linkedPluginFolder(
        "webhooks", {ORCH_PLUGIN_DIR "/auth.so", ORCH_PLUGIN_DIR "/workflows.so", ORCH_PLUGIN_DIR "/credentials.so",
                     ORCH_PLUGIN_DIR "/webhooks.so"});
    return folder;
  }
  std::string extraConfig() const override {
    return (allowPrivate_ ? "webhooks.allow_private_networks = true\n" : "") +
           std::string("webhooks.retry_base_ms = 150\nwebhooks.poll_interval_ms = 50\nwebhooks.timeout_ms = 2000\n"
                       "webhooks.lease_ms = 3000\ncredentials.expiry_check_interval_ms = 100\n") +
           keys_;
  }

  json subscribe(const std::string& url, const json& events, const std::map<std::string, std::string>& auth) {
    auto created = post("/api/v1/webhooks", {{"url", url}, {"events", events}, {"description", "test"}}, auth);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.json();
  }

  std::string runWorkflow(const std::map<std::string, std::string>& auth) {
    auto workflow = post("/api/v1/workflows",
                         {{"name", "one"}, {"steps", {{{"id", "a"}, {"type", "transform"}, {"config", {{"mapping", {{"v", "{{v}}"}}}}}}}}},
                         auth);
    EXPECT_EQ(workflow.status, 201) << workflow.body;
    auto run = post("/api/v1/workflows/" + workflow.json()["id"].get<std::string>() + "/execute",
                    {{"input_data", {{"v", 7}}}, {"execution_mode", "sync"}}, auth);
    EXPECT_EQ(run.json()["status"], "completed") << run.body;
    return run.json().value("execution_id", run.json().value("id", ""));
  }

  static void waitForRequests(const LocalHttpServer& receiver, std::size_t count,
                              std::chrono::seconds timeout = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (receiver.requests().size() < count && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  json deliveries(const std::string& webhook, const std::function<bool(const json&)>& until) {
    json list;
    for (int i = 0; i < 400; ++i) {
      list = get("/api/v1/webhooks/" + webhook + "/deliveries", alice_).json();
      if (until(list)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return list;
  }

  /// Restarts the host on the same data with `keys` as its secrets settings.
  void restartWith(const std::string& keys) {
    host_->stop();
    auto previous = std::move(host_); // it owns the data directory: keep it past the restart
    keys_ = keys;
    startHost(previous->dataDir());
    restarted_.push_back(std::move(previous));
    alice_ = userToken("alice@example.com");
  }

  bool allowPrivate_ = true;
  std::string keys_;
  std::vector<std::unique_ptr<orch::test::HostProcess>> restarted_;
};

TEST_P(Webhooks, ADeliveryIsSignedAndRetriedUntilTheReceiverRecovers) {
  std::atomic<int> calls{0};
  LocalHttpServer receiver([&](const LocalHttpServer::Request&) {
    return ++calls <= 2 ? LocalHttpServer::Reply{500, "{}"} : LocalHttpServer::Reply{200, "{}"};
  });
  LocalHttpServer bobsReceiver;
  auto webhook = subscribe(receiver.url("/hooks"), {"workflow.completed"}, alice_);
  auto secret = webhook.value("secret", "");
  ASSERT_EQ(secret.rfind("whsec_", 0), 0u) << webhook.dump();
  EXPECT_FALSE(get("/api/v1/webhooks/" + webhook["id"].get<std::string>(), alice_).json().contains("secret"))
      << "the secret is shown once";
  EXPECT_EQ(get("/api/v1/webhooks", alice_).body.find(secret), std::string::npos);
  subscribe(bobsReceiver.url("/bob"), {"*"}, bob_);

  auto execution = runWorkflow(alice_);
  waitForRequests(receiver, 3);
  auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 3u) << "two failures, then the delivery";
  for (const auto& request : requests) {
    EXPECT_EQ(request.headers.at("webhook-id"), requests[0].headers.at("webhook-id")) << "one id for every attempt";
    EXPECT_EQ(request.headers.at("webhook-signature"),
              orch::test::standardWebhookSignature(secret, request.headers.at("webhook-id"),
                                                   request.headers.at("webhook-timestamp"), request.body));
  }
  auto payload = json::parse(requests.back().body);
  EXPECT_EQ(payload["type"], "workflow.completed");
  EXPECT_EQ(payload["data"]["execution_id"], execution);
  EXPECT_EQ(payload["data"]["status"], "completed");

  auto list = deliveries(webhook["id"], [](const json& l) { return l["deliveries"].size() == 1 && l["deliveries"][0]["status"] == "delivered"; });
  ASSERT_EQ(list["total"], 1) << list.dump();
  const auto& delivery = list["deliveries"][0];
  EXPECT_EQ(delivery["status"], "delivered");
  EXPECT_EQ(delivery["attempts"], 3);
  ASSERT_EQ(delivery["attempt_log"].size(), 3u);
  EXPECT_EQ(delivery["attempt_log"][0]["response_status"], 500);
  EXPECT_EQ(delivery["attempt_log"][1]["response_status"], 500);
  EXPECT_EQ(delivery["attempt_log"][2]["response_status"], 200);
  EXPECT_EQ(bobsReceiver.requests().size(), 0u) << "another tenant's events are not Bob's";
  EXPECT_EQ(get("/api/v1/webhooks/" + webhook["id"].get<std::string>() + "/deliveries", bob_).status, 404);
}

TEST_P(Webhooks, RetriesCarryOnAfterARestart) {
  std::atomic<bool> up{false};
  LocalHttpServer receiver([&](const LocalHttpServer::Request&) {
    return up ? LocalHttpServer::Reply{204, ""} : LocalHttpServer::Reply{503, "{}"};
  });
  auto webhook = subscribe(receiver.url("/hooks"), {"workflow.completed"}, alice_);
  runWorkflow(alice_);
  waitForRequests(receiver, 1);
  ASSERT_GE(receiver.requests().size(), 1u);
  host_->stop();
  up = true;
  // The stopped host owns the data directory: it must outlive the restart.
  auto previous = std::move(host_);
  startHost(previous->dataDir());
  alice_ = userToken("alice@example.com");
  auto list = deliveries(webhook["id"], [](const json& l) { return l["deliveries"].size() == 1 && l["deliveries"][0]["status"] == "delivered"; });
  ASSERT_EQ(list["total"], 1) << list.dump();
  const auto& delivery = list["deliveries"][0];
  EXPECT_EQ(delivery["status"], "delivered") << delivery.dump();
  EXPECT_GE(delivery["attempts"], 2);
  EXPECT_EQ(delivery["attempt_log"][0]["response_status"], 503);
  EXPECT_EQ(delivery["attempt_log"].back()["response_status"], 204);
}

TEST_P(Webhooks, AnExpiredCredentialIsAnnounced) {
  LocalHttpServer receiver([](const LocalHttpServer::Request&) { return LocalHttpServer::Reply{200, "{}"}; });
  subscribe(receiver.url("/hooks"), {"credential.expired"}, alice_);
  auto soon = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()) + 2;
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&soon));
  auto credential = post("/api/v1/credentials", {{"name", "short-lived"}, {"type", "bearer"}, {"value", "t0ken"}, {"expires_at", text}},
                         alice_);
  ASSERT_EQ(credential.status, 201) << credential.body;
  waitForRequests(receiver, 1);
  ASSERT_EQ(receiver.requests().size(), 1u);
  auto payload = json::parse(receiver.requests()[0].body);
  EXPECT_EQ(payload["type"], "credential.expired");
  EXPECT_EQ(payload["data"]["credential_id"], credential.json()["id"]);
  EXPECT_EQ(payload["data"]["name"], "short-lived");
  EXPECT_EQ(get("/api/v1/credentials/" + credential.json()["id"].get<std::string>(), alice_).json()["status"], "expired");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(receiver.requests().size(), 1u) << "announced once";
}

TEST_P(Webhooks, RefuseBadSubscriptionsAndPrivateAddressesUnlessAllowed) {
  allowPrivate_ = false;
  startHost();
  alice_ = userToken("alice@example.com");
  bob_ = userToken("bob@example.com");
  expectInvalid(post("/api/v1/webhooks", {{"url", "http://127.0.0.1:9/x"}, {"events", {"workflow.completed"}}}, alice_), "url");
  expectInvalid(post("/api/v1/webhooks", {{"url", "http://169.254.169.254/latest"}, {"events", {"workflow.completed"}}}, alice_),
                "url");
  expectInvalid(post("/api/v1/webhooks", {{"url", "http://10.0.0.8/x"}, {"events", {"workflow.completed"}}}, alice_), "url");
  // A public address, written as a number: these checks need no DNS.
  expectInvalid(post("/api/v1/webhooks", {{"url", "ftp://93.184.216.34/x"}, {"events", {"workflow.completed"}}}, alice_), "url");
  expectInvalid(post("/api/v1/webhooks", {{"events", {"workflow.completed"}}}, alice_), "url");
  expectInvalid(post("/api/v1/webhooks", {{"url", "https://93.184.216.34/x"}, {"events", {"workflow.exploded"}}}, alice_),
                "events[0]");
  expectInvalid(post("/api/v1/webhooks", {{"url", "https://93.184.216.34/x"}, {"events", json::array()}}, alice_), "events");
  expectInvalid(post("/api/v1/webhooks", {{"url", "https://93.184.216.34/x"}, {"events", {"*"}}, {"secret", "short"}}, alice_),
                "secret");
  EXPECT_EQ(get("/api/v1/webhooks", alice_).json()["total"], 0) << "nothing was stored";
  EXPECT_EQ(HttpClient(host_->port()).request("POST", "/api/v1/webhooks", "[1,", alice_).status, 400);
}

TEST_P(Webhooks, BelongToTheirOwner) {
  auto webhook = subscribe("http://127.0.0.1:9/hooks", {"*"}, alice_);
  auto id = webhook["id"].get<std::string>();
  EXPECT_EQ(get("/api/v1/webhooks/" + id, bob_).status, 404);
  EXPECT_EQ(HttpClient(host_->port()).request("DELETE", "/api/v1/webhooks/" + id, "", bob_).status, 404);
  EXPECT_EQ(get("/api/v1/webhooks", bob_).json()["total"], 0);
  EXPECT_EQ(get("/api/v1/webhooks", alice_).json()["total"], 1);
  EXPECT_EQ(HttpClient(host_->port()).request("DELETE", "/api/v1/webhooks/" + id, "", alice_).status, 204);
  EXPECT_EQ(get("/api/v1/webhooks/" + id, alice_).status, 404);
}

TEST_P(Webhooks, SecretsAreSealedAndARotatedKeySealsThemAgain) {
  const std::string oldKey(64, '1'), newKey(64, '2'), strangerKey(64, '3'); // 32 bytes each, in hex
  restartWith("secrets.encryption_key = " + oldKey + "\n");
  LocalHttpServer receiver([](const LocalHttpServer::Request&) { return LocalHttpServer::Reply{200, "{}"}; });
  auto webhook = subscribe(receiver.url("/hooks"), {"workflow.completed"}, alice_);
  auto id = webhook.value("id", ""), secret = webhook.value("secret", "");
  auto credential = post("/api/v1/credentials", {{"name", "api"}, {"type", "bearer"}, {"value", "t0ken-kept"}}, alice_);
  ASSERT_EQ(credential.status, 201) << credential.body;
  auto credentialId = credential.json().value("id", "");

  // At rest the signing secret is sealed: neither it nor its key part is stored.
  auto stored = storedValue("SELECT secret FROM wh_subscriptions WHERE id = ?", id);
  EXPECT_EQ(stored.find(secret.substr(6)), std::string::npos) << stored;
  auto oldKeyId = storedValue("SELECT key_id FROM wh_subscriptions WHERE id = ?", id);
  EXPECT_EQ(oldKeyId.size(), 16u) << oldKeyId;
  EXPECT_EQ(storedValue("SELECT key_id FROM cr_credentials WHERE id = ?", credentialId), oldKeyId);
  // A subscription as the plugin's first version stored it: no key, the secret in plain text.
  auto legacySecret = "whsec_" + std::string(32, 'x');
  auto legacy = subscribe(receiver.url("/legacy"), {"workflow.completed"}, alice_).value("id", "");
  onDatabase("UPDATE wh_subscriptions SET secret = ?, key_id = NULL WHERE id = ?", {legacySecret, legacy});
  ASSERT_EQ(storedValue("SELECT key_id FROM wh_subscriptions WHERE id = ?", legacy), "<null>");

  // Rotation: the new key current, the old one kept to read; the start seals every row again.
  restartWith("secrets.encryption_key = " + newKey + "\nsecrets.previous_keys = " + oldKey + "\n");
  auto newKeyId = storedValue("SELECT key_id FROM wh_subscriptions WHERE id = ?", id);
  EXPECT_NE(newKeyId, oldKeyId);
  EXPECT_EQ(storedValue("SELECT key_id FROM cr_credentials WHERE id = ?", credentialId), newKeyId);
  EXPECT_NE(storedValue("SELECT secret FROM wh_subscriptions WHERE id = ?", id), stored);
  EXPECT_EQ(storedValue("SELECT key_id FROM wh_subscriptions WHERE id = ?", legacy), newKeyId);
  EXPECT_EQ(storedValue("SELECT secret FROM wh_subscriptions WHERE id = ?", legacy).find(legacySecret), std::string::npos);
  EXPECT_TRUE(host_->waitForLog("wh_subscriptions: sealed 2 secrets again")) << host_->logs();
  EXPECT_TRUE(host_->waitForLog("cr_credentials: sealed 1 secrets again")) << host_->logs();

  // The old key is gone from the config: deliveries still carry the same signatures.
  restartWith("secrets.encryption_key = " + newKey + "\n");
  runWorkflow(alice_);
  waitForRequests(receiver, 2);
  ASSERT_EQ(receiver.requests().size(), 2u);
  for (const auto& request : receiver.requests())
    EXPECT_EQ(request.headers.at("webhook-signature"),
              orch::test::standardWebhookSignature(request.path == "/legacy" ? legacySecret : secret,
                                                   request.headers.at("webhook-id"),
                                                   request.headers.at("webhook-timestamp"), request.body))
        << request.path;

  // A host without the key says so, and leaves the rows as they are.
  restartWith("secrets.encryption_key = " + strangerKey + "\n");
  EXPECT_TRUE(host_->waitForLog("sealed under keys this host does not have (" + newKeyId + ")")) << host_->logs();
  EXPECT_EQ(storedValue("SELECT key_id FROM wh_subscriptions WHERE id = ?", id), newKeyId);
  runWorkflow(alice_);
  auto list = deliveries(id, [](const json& l) { return l["total"] == 2 && l["deliveries"][0]["attempts"] >= 1; });
  ASSERT_EQ(list["total"], 2) << list.dump();
  EXPECT_EQ(receiver.requests().size(), 2u) << "nothing is sent unsigned or signed wrongly";
  const auto& waiting = list["deliveries"][0];
  EXPECT_EQ(waiting["status"], "pending") << "retried: an operator may add the key";
  EXPECT_NE(waiting["last_error"].get<std::string>().find("cannot be opened"), std::string::npos) << waiting.dump();
}

INSTANTIATE_TEST_SUITE_P(Backends, Webhooks, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "SQLite" : "PostgreSQL"; });

} // namespace
