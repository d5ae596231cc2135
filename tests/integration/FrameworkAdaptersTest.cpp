// Framework adapters through the host: test_kit registers "kit_flow" and
// calls adapters by name (as the agents plugin will); crashing_steps
// registers "crash_flow", whose hooks crash.
#include "HostProcess.h"
#include "HttpClient.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace orch::test;

namespace {

/// One host for the tests that only ask; the crash test starts its own.
HttpClient sharedHost() {
  static HostProcess host;
  return HttpClient(host.port());
}

const nlohmann::json kFlow = {{"steps", {{{"text", "plan"}}, {{"text", "act"}}}}};

} // namespace

TEST(FrameworkAdapters, EveryPluginSeesEveryAdapterWithItsOwner) {
  auto client = sharedHost();
  auto frameworks = client.get("/api/v1/kit/frameworks").json()["frameworks"];
  EXPECT_EQ(frameworks, (nlohmann::json{{{"framework", "crash_flow"}, {"plugin", "crashing_steps"}, {"exports", false}},
                                        {{"framework", "kit_flow"}, {"plugin", "test_kit"}, {"exports", true}}}));
}

TEST(FrameworkAdapters, ValidateCompileAndExportRoundTrip) {
  auto client = sharedHost();
  auto valid = client.post("/api/v1/kit/frameworks/kit_flow/validate", kFlow);
  ASSERT_EQ(valid.status, 200) << valid.body;
  EXPECT_EQ(valid.json()["valid"], true);

  auto graph = client.post("/api/v1/kit/frameworks/kit_flow/compile", kFlow);
  ASSERT_EQ(graph.status, 200) << graph.body;
  EXPECT_EQ(graph.json()["nodes"].size(), 2u);
  EXPECT_EQ(graph.json()["nodes"][1]["config"]["text"], "act");
  EXPECT_EQ(graph.json()["edges"], (nlohmann::json{{{"source", "step-1"}, {"target", "step-2"}}}));

  auto exported = client.post("/api/v1/kit/frameworks/kit_flow/export", graph.json());
  ASSERT_EQ(exported.status, 200) << exported.body;
  EXPECT_EQ(exported.json(), kFlow) << "export gives back the definition it was compiled from";
}

TEST(FrameworkAdapters, AProblemNamesItsFieldAndAnUnknownFrameworkIsOne) {
  auto client = sharedHost();
  auto problem = client.post("/api/v1/kit/frameworks/kit_flow/validate",
                             {{"steps", {{{"text", "ok"}}, {{"text", 42}}}}});
  ASSERT_EQ(problem.status, 422) << problem.body;
  EXPECT_EQ(problem.json()["error"]["details"]["field"], "steps[1].text");
  EXPECT_EQ(problem.json()["error"]["details"]["issue"], "Must be a string");

  auto unknown = client.post("/api/v1/kit/frameworks/smalltalk/validate", kFlow);
  ASSERT_EQ(unknown.status, 422) << unknown.body;
  EXPECT_EQ(unknown.json()["error"]["details"]["field"], "framework");
  auto compile = client.post("/api/v1/kit/frameworks/smalltalk/compile", kFlow);
  EXPECT_EQ(compile.status, 422);
  EXPECT_NE(compile.body.find("no plugin registered the framework 'smalltalk'"), std::string::npos) << compile.body;
  auto cannot = client.post("/api/v1/kit/frameworks/crash_flow/export", kFlow);
  EXPECT_EQ(cannot.status, 422);
  EXPECT_NE(cannot.body.find("cannot export"), std::string::npos) << cannot.body;

  auto failed = client.post("/api/v1/kit/frameworks/kit_flow/compile", {{"steps", nlohmann::json::array()}});
  EXPECT_EQ(failed.status, 422);
  EXPECT_NE(failed.body.find("steps: A non-empty list of steps"), std::string::npos) << failed.body;
}

TEST(FrameworkAdapterCrashes, ACrashingAdapterFailsItsCallAndTheHostLivesOn) {
  HostProcess host;
  HttpClient client(host.port());
  EXPECT_EQ(client.post("/api/v1/kit/frameworks/crash_flow/compile", {{"how", "none"}}).status, 200);
  auto crashed = client.post("/api/v1/kit/frameworks/crash_flow/compile", {{"how", "segfault"}});
  EXPECT_EQ(crashed.status, 422) << crashed.body;
  EXPECT_NE(crashed.body.find("crashed (SIGSEGV)"), std::string::npos) << crashed.body;
  EXPECT_TRUE(host.waitForLog("plugin crashing_steps crashed: SIGSEGV in framework adapter 'crash_flow'"))
      << host.logs();
  // Its plugin is off until a restart; the others serve on.
  auto again = client.post("/api/v1/kit/frameworks/crash_flow/validate", {{"how", "none"}});
  EXPECT_EQ(again.status, 422);
  EXPECT_NE(again.body.find("off until the host restarts"), std::string::npos) << again.body;
  EXPECT_EQ(client.post("/api/v1/kit/frameworks/kit_flow/compile", kFlow).status, 200);
  auto plugins = client.get("/api/v1/plugins", testToken("ops", "system:read")).json()["plugins"];
  auto crashing = std::find_if(plugins.begin(), plugins.end(), [](const auto& p) { return p["name"] == "crashing_steps"; });
  ASSERT_NE(crashing, plugins.end()) << plugins.dump();
  EXPECT_TRUE(crashing->contains("crashed")) << crashing->dump();
}
