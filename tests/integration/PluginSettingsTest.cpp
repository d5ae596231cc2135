// Settings a plugin declares (orchestrator/settings.hpp, register_setting):
// checked by the host before it serves, answered with their defaults, listed
// in GET /api/v1/plugins; test_kit declares one of each kind.
#include "HostProcess.h"
#include "HttpClient.h"

#include <gtest/gtest.h>

using orch::test::HostProcess;
using orch::test::HttpClient;
using orch::test::testToken;

namespace {

nlohmann::json settingOf(const nlohmann::json& plugins, const std::string& plugin, const std::string& key) {
  for (const auto& entry : plugins["plugins"])
    if (entry["name"] == plugin)
      for (const auto& setting : entry["settings"])
        if (setting["key"] == key) return setting;
  ADD_FAILURE() << "no setting " << key << " of " << plugin;
  return nlohmann::json::object();
}

/// A host that must refuse to start: exit 78, the message naming the key.
void expectRefusedStart(const std::string& config, const std::string& message) {
  HostProcess host({.config = config, .waitUntilReady = false});
  EXPECT_EQ(host.waitForExit(), 78) << config << host.logs();
  EXPECT_TRUE(host.waitForLog("orchestrator: configuration error: invalid value for ")) << config << host.logs();
  EXPECT_TRUE(host.waitForLog(message)) << config << host.logs();
}

} // namespace

TEST(PluginSettings, AValueThatDoesNotFitItsDeclarationStopsTheStartNamingTheKey) {
  expectRefusedStart("test_kit.init_delay_ms = soon\n",
                     "invalid value for test_kit.init_delay_ms (ORCH_TEST_KIT__INIT_DELAY_MS): 'soon', expected a "
                     "whole number from 0 to 60000");
  expectRefusedStart("test_kit.init_delay_ms = 60001\n", "invalid value for test_kit.init_delay_ms");
  expectRefusedStart("test_kit.mode = loud\n",
                     "invalid value for test_kit.mode (ORCH_TEST_KIT__MODE): 'loud', expected one of normal,strict");
  expectRefusedStart("test_kit.ratio = 1.5\n", "'1.5', expected a number from 0 to 1");
  expectRefusedStart("test_kit.authenticator = maybe\n", "'maybe', expected true or false");
  // Every configured key of a pattern's shape is checked.
  expectRefusedStart("test_kit.limits.ok.max = 3\ntest_kit.limits.wide.max = 11\n",
                     "invalid value for test_kit.limits.wide.max (ORCH_TEST_KIT__LIMITS__WIDE__MAX): '11'");
  // Every value that does not fit is named, not only the first.
  {
    HostProcess host({.config = "test_kit.mode = loud\ntest_kit.ratio = 2\n", .waitUntilReady = false});
    EXPECT_EQ(host.waitForExit(), 78);
    EXPECT_TRUE(host.waitForLog("invalid value for test_kit.mode")) << host.logs();
    EXPECT_TRUE(host.waitForLog("invalid value for test_kit.ratio")) << host.logs();
  }
  // A secret's value is never printed, even when it is wrong.
  HostProcess host({.env = {{"ORCH_TEST_KIT__SECRET", "hunter2"}, {"ORCH_TEST_KIT__MODE", "loud"}},
                    .waitUntilReady = false});
  EXPECT_EQ(host.waitForExit(), 78);
  EXPECT_EQ(host.logs().find("hunter2"), std::string::npos) << host.logs();
}

TEST(PluginSettings, ThePluginReadsItsValuesAndUnsetOnesAreTheirDefaults) {
  HostProcess host({.config = "test_kit.ratio = 0.25\ntest_kit.tags = x, y,,z\n",
                    .env = {{"ORCH_TEST_KIT__SECRET", "hunter2"}}});
  HttpClient client(host.port());
  auto read = client.get("/api/v1/kit/settings").json();
  EXPECT_EQ(read["ratio"], 0.25);
  EXPECT_EQ(read["tags"], nlohmann::json::array({"x", "y", "z"}));
  EXPECT_EQ(read["mode"], "normal") << "the declared default";
  EXPECT_EQ(read["secret_set"], true);
  // The host answers a declared default to any plugin that asks for the key.
  EXPECT_EQ(client.get("/api/v1/kit/config?key=test_kit.mode").json()["value"], "normal");
  EXPECT_EQ(client.get("/api/v1/kit/config?key=test_kit.nothing").status, 404);
}

TEST(PluginSettings, GetPluginsListsEveryDeclarationWithItsValueButNoSecret) {
  HostProcess host({.config = "test_kit.limits.wide.max = 7\n", .env = {{"ORCH_TEST_KIT__SECRET", "hunter2"}}});
  auto plugins = HttpClient(host.port()).get("/api/v1/plugins", testToken("ops", "system:read"));
  ASSERT_EQ(plugins.status, 200) << plugins.body;
  auto list = plugins.json();
  EXPECT_EQ(plugins.body.find("hunter2"), std::string::npos) << "a secret is never answered";

  auto delay = settingOf(list, "test_kit", "test_kit.init_delay_ms");
  EXPECT_EQ(delay["type"], "integer");
  EXPECT_EQ(delay["default"], "0");
  EXPECT_EQ(delay["minimum"], "0");
  EXPECT_EQ(delay["maximum"], "60000");
  EXPECT_EQ(delay["value"], "0");
  EXPECT_EQ(delay["set"], false);
  EXPECT_FALSE(delay["description"].get<std::string>().empty());

  auto secret = settingOf(list, "test_kit", "test_kit.secret");
  EXPECT_EQ(secret["secret"], true);
  EXPECT_EQ(secret["set"], true);
  EXPECT_EQ(secret["value"], "(secret)");

  EXPECT_EQ(settingOf(list, "test_kit", "test_kit.mode")["choices"], nlohmann::json::array({"normal", "strict"}));
  EXPECT_EQ(settingOf(list, "test_kit", "test_kit.tags")["type"], "list");
  auto limits = settingOf(list, "test_kit", "test_kit.limits.*.max");
  EXPECT_EQ(limits["values"], (nlohmann::json{{"test_kit.limits.wide.max", "7"}}));
  EXPECT_EQ(settingOf(list, "hello_steps", "hello_steps.greeting")["value"], "Hello");
}
