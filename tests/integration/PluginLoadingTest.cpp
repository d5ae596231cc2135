// Loading, negotiation and refusal of plugins, through the real binary.
#include "HostProcess.h"
#include "HttpClient.h"

#include <orchestrator/abi.h>

#include <gtest/gtest.h>

using orch::test::HostProcess;
using orch::test::HttpClient;
using orch::test::testToken;

namespace {

const std::string kHostAbi = std::to_string(ORCH_ABI_MAJOR) + "." + std::to_string(ORCH_ABI_MINOR);

nlohmann::json pluginNamed(const nlohmann::json& list, const std::string& name) {
  for (const auto& plugin : list["plugins"])
    if (plugin["name"] == name) return plugin;
  ADD_FAILURE() << "no plugin " << name << " in " << list.dump();
  return nlohmann::json::object();
}

class PluginLoading : public ::testing::Test {
protected:
  static void SetUpTestSuite() { host_ = new HostProcess(); }
  static void TearDownTestSuite() {
    delete host_;
    host_ = nullptr;
  }
  static HostProcess* host_;
};
HostProcess* PluginLoading::host_ = nullptr;

} // namespace

TEST_F(PluginLoading, RefusesEachBrokenPluginWithOneLogLineNamingFileAndReason) {
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"no_entry.so", "no entry point"},
      {"wrong_major.so", "ABI major version mismatch: plugin 2.0, host " + kHostAbi},
      {"newer_minor.so", "plugin needs ABI 1." + std::to_string(ORCH_ABI_MINOR + 1) + ", newer than the host's " + kHostAbi},
      {"init_fails.so", "init failed: database credentials missing"},
      {"route_conflict.so", "route GET /hello/{who} is already registered"},
      {"step_conflict.so", "step type 'greet' is already registered"},
  };
  for (const auto& [file, reason] : expected) {
    auto line = "plugin refused: " ORCH_FIXTURE_PLUGIN_DIR "/" + file + ": " + reason;
    EXPECT_TRUE(host_->waitForLog(line)) << "missing log line: " << line << "\nlogs:\n" << host_->logs();
  }
}

TEST_F(PluginLoading, ServesTheRestAndListsEveryPluginWithItsState) {
  HttpClient client(host_->port());
  auto hello = client.get("/api/v1/hello/Ada");
  ASSERT_EQ(hello.status, 200) << hello.body;
  EXPECT_EQ(hello.json()["message"], "Hello, Ada!");

  auto response = client.get("/api/v1/plugins", testToken("ops", "system:read"));
  ASSERT_EQ(response.status, 200) << response.body;
  auto list = response.json();
  EXPECT_EQ(list["abi_version"], kHostAbi);

  auto example = pluginNamed(list, "hello_steps");
  EXPECT_EQ(example["state"], "loaded");
  EXPECT_EQ(example["version"], "1.0.0");
  EXPECT_EQ(example["abi_version"], kHostAbi);
  EXPECT_EQ(example["registered"]["routes"], nlohmann::json::array({"GET /hello/{name}"}));
  EXPECT_EQ(example["registered"]["step_types"], nlohmann::json::array({"greet"}));

  auto kit = pluginNamed(list, "test_kit");
  EXPECT_EQ(kit["state"], "loaded");
  EXPECT_EQ(kit["registered"]["authenticator"], true);
  EXPECT_EQ(kit["registered"]["services"], nlohmann::json::array({"kit.math"}));
  EXPECT_EQ(kit["registered"]["migrations"], nlohmann::json::array({1, 2}));

  for (const char* refused : {"no_entry", "wrong_major", "newer_minor", "init_fails", "route_conflict", "step_conflict"}) {
    auto plugin = pluginNamed(list, refused);
    EXPECT_EQ(plugin["state"], "refused") << refused;
    EXPECT_FALSE(plugin["reason"].get<std::string>().empty()) << refused;
    EXPECT_TRUE(plugin["registered"]["routes"].empty()) << refused;
    EXPECT_TRUE(plugin["registered"]["step_types"].empty()) << refused;
  }
}

TEST_F(PluginLoading, ARefusedPluginLeavesNothingBehind) {
  HttpClient client(host_->port());
  EXPECT_EQ(client.get("/api/v1/init-fails/ghost").status, 404) << "routes of a plugin whose init failed";
  EXPECT_EQ(client.get("/api/v1/step-conflict/ok").status, 404) << "routes of a plugin refused for a step type";
  auto list = client.get("/api/v1/plugins", testToken("ops", "system:read")).json();
  EXPECT_EQ(pluginNamed(list, "hello_steps")["registered"]["step_types"], nlohmann::json::array({"greet"}));
}

TEST_F(PluginLoading, PluginsListNeedsAPermission) {
  HttpClient client(host_->port());
  EXPECT_EQ(client.get("/api/v1/plugins").status, 401);
  EXPECT_EQ(client.get("/api/v1/plugins", testToken("user", "workflow:read")).status, 403);
}

TEST(PluginConfig, DisabledPluginsAreNotLoaded) {
  HostProcess host({.config = "plugins.enabled = hello_steps, test_kit\n",
                    .env = {{"ORCH_PLUGINS__HELLO_STEPS__ENABLED", "false"}}});
  HttpClient client(host.port());
  EXPECT_EQ(client.get("/api/v1/hello/Ada").status, 404);
  auto list = client.get("/api/v1/plugins", testToken("ops", "system:read")).json();
  auto example = pluginNamed(list, "hello_steps");
  EXPECT_EQ(example["state"], "disabled");
  EXPECT_EQ(example["reason"], "plugins.hello_steps.enabled = false");
  EXPECT_EQ(pluginNamed(list, "no_entry")["state"], "disabled");
  EXPECT_EQ(pluginNamed(list, "no_entry")["reason"], "not listed in plugins.enabled");
  host.waitForLogToCatchUp();
  EXPECT_EQ(host.logs().find("plugin refused"), std::string::npos) << "disabled plugins are never opened";
}

TEST(PluginConfig, ARequiredPluginThatIsRefusedStopsTheStart) {
  HostProcess host({.config = "plugins.required = test_kit, wrong_major\n", .waitUntilReady = false});
  EXPECT_NE(host.waitForExit(), 0);
  EXPECT_TRUE(host.waitForLog("required plugin 'wrong_major' is refused: ABI major version mismatch"))
      << host.logs();
}

TEST(PluginConfig, ARequiredPluginThatIsMissingStopsTheStart) {
  HostProcess host({.config = "plugins.required = auth\n", .waitUntilReady = false});
  EXPECT_NE(host.waitForExit(), 0);
  EXPECT_TRUE(host.waitForLog("required plugin 'auth' was not found")) << host.logs();
}

TEST_F(PluginLoading, APluginBuiltForAnOlderMinorStillLoads) {
  HttpClient client(host_->port());
  auto list = client.get("/api/v1/plugins", testToken("ops", "system:read")).json();
  auto old = pluginNamed(list, "abi_1_0");
  EXPECT_EQ(old["state"], "loaded") << old.dump();
  EXPECT_EQ(old["abi_version"], "1.0");
  EXPECT_EQ(client.get("/api/v1/abi-1-0/ping").json()["pong"], true);
}

TEST_F(PluginLoading, APluginRunsAnotherPluginsStepTypeThroughTheHost) {
  HttpClient client(host_->port());
  auto types = client.get("/api/v1/kit/step-types").json()["step_types"];
  std::vector<std::string> names;
  for (const auto& type : types) names.push_back(type["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"crash", "greet", "kit_upper", "shout"})) << types.dump();
  EXPECT_EQ(types[1]["plugin"], "hello_steps");
  EXPECT_EQ(types[1]["config_schema"]["required"], nlohmann::json::array({"name"}));
  // Purity is what the step type declared (ORCH_STEP_PURE), nothing else.
  EXPECT_EQ(types[1]["pure"], true);
  EXPECT_EQ(types[2]["pure"], false);
  EXPECT_EQ(types[3]["plugin"], "hello_c");
  EXPECT_EQ(types[3]["pure"], true);

  auto greeted = client.post("/api/v1/kit/run-step/greet", {{"config", {{"name", "Ada"}}}});
  ASSERT_EQ(greeted.status, 200) << greeted.body;
  EXPECT_EQ(greeted.json()["message"], "Hello, Ada!");
  auto refused = client.post("/api/v1/kit/run-step/greet", {{"config", {{"name", ""}}}});
  EXPECT_EQ(refused.status, 422);
  EXPECT_NE(refused.json()["error"]["message"].get<std::string>().find("name: Name cannot be empty"), std::string::npos);
  EXPECT_EQ(client.post("/api/v1/kit/run-step/ghost_step", nlohmann::json::object()).status, 404)
      << "a refused plugin's step type is gone";

  // The example in plain C serves as any other plugin does.
  auto shouted = client.post("/api/v1/kit/run-step/shout", {{"config", {{"text", "quiet please"}}}});
  ASSERT_EQ(shouted.status, 200) << shouted.body;
  EXPECT_EQ(shouted.json()["text"], "QUIET PLEASE");
  auto hello = client.get("/api/v1/hello-c/Grace");
  ASSERT_EQ(hello.status, 200) << hello.body;
  EXPECT_EQ(hello.json()["message"], "Hello from C, Grace!");

  // A step that aborts fails its call; the host and the calling plugin live on.
  auto aborted = client.post("/api/v1/kit/run-step/crash", {{"config", {{"how", "abort"}}}});
  EXPECT_GE(aborted.status, 400) << aborted.body;
  EXPECT_NE(aborted.body.find("crashed (SIGABRT)"), std::string::npos) << aborted.body;
  EXPECT_EQ(client.post("/api/v1/kit/run-step/greet", {{"config", {{"name", "Ada"}}}}).status, 200);
}
