// The host services plugins use through the ABI: SQL, transactions,
// migrations, named services, events, jobs, timers and configuration, on
// SQLite and on a real PostgreSQL server.
#include "Eventually.h"
#include "HostProcess.h"
#include "HttpClient.h"
#include "PostgresDatabases.h"
#include "TestPostgres.h"

#include <gtest/gtest.h>

#include <thread>

using orch::test::HostProcess;
using orch::test::HttpClient;
using orch::test::eventually;

namespace {


void checkNotesRoundTrip(HostProcess& host, const std::string& backend) {
  HttpClient client(host.port());
  const std::string hostile = "Robert'); DROP TABLE kit_notes; -- ? $1 \xe2\x9c\x93";
  auto created = client.post("/api/v1/kit/notes", {{"body", hostile}, {"tag", "t1"}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json()["body"], hostile);
  EXPECT_TRUE(created.json()["id"].is_number_integer());
  client.post("/api/v1/kit/notes", {{"body", "second"}});

  auto rolledBack = client.post("/api/v1/kit/notes/rollback", {{"body", "must not be stored"}});
  EXPECT_EQ(rolledBack.status, 409);

  auto list = client.get("/api/v1/kit/notes").json();
  EXPECT_EQ(list["backend"], backend);
  ASSERT_EQ(list["notes"].size(), 2u) << list.dump();
  EXPECT_EQ(list["notes"][0]["body"], hostile) << "stored literally";
  EXPECT_EQ(list["notes"][0]["tag"], "t1");
  EXPECT_TRUE(list["notes"][1]["tag"].is_null());
  auto filtered = client.get("/api/v1/kit/notes?tag=t1").json();
  EXPECT_EQ(filtered["notes"].size(), 1u);
}

} // namespace

TEST(PluginServices, SqlTransactionsAndMigrationsOnSqlite) {
  std::string dataDir;
  {
    HostProcess host;
    checkNotesRoundTrip(host, "sqlite");
    EXPECT_TRUE(host.waitForLog("2 migrations applied")) << host.logs();
  }
}

TEST(PluginServices, MigrationsApplyOnceAcrossRestarts) {
  auto dataDir = std::filesystem::temp_directory_path() / ("orch-restart-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dataDir);
  {
    HostProcess first({.dataDir = dataDir.string()});
    HttpClient(first.port()).post("/api/v1/kit/notes", {{"body", "kept"}});
    EXPECT_TRUE(first.waitForLog("2 migrations applied"));
    EXPECT_EQ(first.stop(), 0);
  }
  {
    HostProcess second({.dataDir = dataDir.string()});
    EXPECT_TRUE(second.waitForLog("0 migrations applied")) << second.logs();
    auto notes = HttpClient(second.port()).get("/api/v1/kit/notes").json()["notes"];
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(notes[0]["body"], "kept");
  }
  std::filesystem::remove_all(dataDir);
}

TEST(PluginServices, SqlTransactionsAndMigrationsOnPostgres) {
  std::string url;
  ORCH_REQUIRE_POSTGRES(url);
  auto database = orch::test::freshPostgresDatabase();
  HostProcess host({.env = {{"ORCH_STORAGE__URL", database}}});
  checkNotesRoundTrip(host, "postgresql");
  HttpClient client(host.port());
  auto detailed = client.get("/api/v1/health/detailed", orch::test::testToken("ops", "system:read")).json();
  EXPECT_EQ(detailed["components"]["storage"]["backend"], "postgresql");
  EXPECT_EQ(detailed["components"]["storage"]["status"], "healthy");
  EXPECT_EQ(detailed["components"]["storage"].dump().find("password"), std::string::npos);
}

TEST(PluginServices, AnUnreachableDatabaseStopsTheStartWithoutLeakingThePassword) {
  HostProcess host({.env = {{"ORCH_STORAGE__URL", "postgresql://orch:s3cret-pw@127.0.0.1:1/none"}},
                    .waitUntilReady = false});
  EXPECT_NE(host.waitForExit(), 0);
  EXPECT_EQ(host.logs().find("s3cret-pw"), std::string::npos) << host.logs();
  EXPECT_TRUE(host.waitForLog("cannot start")) << host.logs();
}

TEST(PluginServices, NamedServicesEventsJobsTimersAndConfig) {
  HostProcess host({.config = "kit.greeting = configured value\n",
                    .env = {{"ORCH_KIT__FROM_ENV", "from the environment"}}});
  HttpClient client(host.port());

  auto sum = client.get("/api/v1/kit/service?a=2&b=40");
  ASSERT_EQ(sum.status, 200) << sum.body;
  EXPECT_EQ(sum.json()["sum"], 42.0);
  auto unknown = client.get("/api/v1/kit/service?method=divide");
  EXPECT_EQ(unknown.status, 422);
  EXPECT_NE(unknown.json()["error"]["message"].get<std::string>().find("unknown method divide"), std::string::npos);

  client.post("/api/v1/kit/events", {{"topic", "kit_one"}, {"payload", {{"n", 1}}}});
  client.post("/api/v1/kit/events", {{"topic", "other_topic"}, {"payload", {{"n", 2}}}});
  client.post("/api/v1/kit/events", {{"topic", "kit_two"}, {"payload", {{"n", 3}}}});
  nlohmann::json events;
  EXPECT_TRUE(eventually([&] {
    events = client.get("/api/v1/kit/events").json()["events"];
    return events.size() >= 2;
  }));
  ASSERT_EQ(events.size(), 2u) << events.dump();
  EXPECT_EQ(events[0]["topic"], "kit_one");
  EXPECT_EQ(events[1]["payload"]["n"], 3);

  // Unsubscribed, a subscription hears nothing more: once_after, published
  // before the marker, would have arrived before it (events keep their order).
  client.post("/api/v1/kit/events", {{"topic", "once_before"}});
  EXPECT_TRUE(eventually([&] { return client.get("/api/v1/kit/events").json()["events"].size() == 3; }));
  EXPECT_EQ(client.request("DELETE", "/api/v1/kit/events/once", "").status, 204);
  client.post("/api/v1/kit/events", {{"topic", "once_after"}});
  client.post("/api/v1/kit/events", {{"topic", "kit_marker"}});
  EXPECT_TRUE(eventually([&] {
    events = client.get("/api/v1/kit/events").json()["events"];
    return events.back()["topic"] == "kit_marker";
  })) << events.dump();
  ASSERT_EQ(events.size(), 4u) << events.dump();
  EXPECT_EQ(events[2]["topic"], "once_before");

  for (int i = 0; i < 5; ++i) client.post("/api/v1/kit/jobs", nlohmann::json::object());
  EXPECT_TRUE(eventually([&] {
    auto counters = client.get("/api/v1/kit/counters").json();
    return counters["jobs"] == 5 && counters["ticks"].get<int>() >= 3;
  })) << client.get("/api/v1/kit/counters").body;

  EXPECT_EQ(client.get("/api/v1/kit/config?key=kit.greeting").json()["value"], "configured value");
  EXPECT_EQ(client.get("/api/v1/kit/config?key=kit.from_env").json()["value"], "from the environment");
  EXPECT_EQ(client.get("/api/v1/kit/config?key=kit.absent").status, 404);
}
