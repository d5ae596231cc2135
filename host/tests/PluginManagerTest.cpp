// Loads real plugin files with PluginManager and calls them through the ABI,
// without HTTP: step types, services and refusals.
#include "orchestrator/host/PluginManager.h"

#include <orchestrator/plugin.hpp>

#include <gtest/gtest.h>

using namespace orch::host;

namespace {

class PluginManagerTest : public ::testing::Test {
protected:
  Config config{"", {}, {}};
  HostContext context{config, 1};
  PluginManager manager{context};

  /// Runs a registered step type the way the workflow engine will.
  orch_status runStep(const std::string& name, const std::string& configJson, std::string& output, std::string& error) {
    auto stepType = context.stepTypes.find(name);
    if (!stepType) throw std::runtime_error("no step type " + name);
    orch_step_context step{};
    step.struct_size = sizeof step;
    step.config_json = orch::detail::view(configJson);
    step.execution_id = orch::detail::view("exec-1");
    step.step_id = orch::detail::view("step-1");
    orch::detail::StringSink out, message;
    auto status = (*stepType)->onExecute((*stepType)->userData, &step, out.get(), message.get());
    output = out.text;
    error = message.text;
    return status;
  }
};

} // namespace

TEST_F(PluginManagerTest, RunsAPluginsStepTypeThroughTheAbi) {
  auto& record = manager.load(ORCH_FIXTURE_PLUGIN_DIR "/hello_steps.so");
  ASSERT_EQ(record.state, PluginRecord::State::Loaded) << record.reason;
  auto stepType = context.stepTypes.find("greet");
  ASSERT_TRUE(stepType.has_value());
  EXPECT_EQ((*stepType)->configSchema["required"], nlohmann::json::array({"name"}));

  std::string output, error;
  ASSERT_EQ(runStep("greet", R"({"name":"Ada"})", output, error), ORCH_OK) << error;
  EXPECT_EQ(nlohmann::json::parse(output)["message"], "Hello, Ada!");

  EXPECT_EQ(runStep("greet", R"({"name":""})", output, error), ORCH_INVALID);
  EXPECT_EQ(error, "name: Name cannot be empty");
  manager.shutdownAll();
}

TEST_F(PluginManagerTest, ServicesAreCalledAcrossPluginsThroughTheTable) {
  auto& record = manager.load(ORCH_FIXTURE_PLUGIN_DIR "/test_kit.so");
  ASSERT_EQ(record.state, PluginRecord::State::Loaded) << record.reason;
  auto handle = makeHostHandle(record, context, manager);
  orch::detail::StringSink result, error;
  std::string request = R"({"a":1.5,"b":2})";
  ASSERT_EQ(hostApi().service_call(handle.get(), orch::detail::view("kit.math"), orch::detail::view("add"),
                                   orch::detail::view(request), result.get(), error.get()),
            ORCH_OK)
      << error.text;
  EXPECT_EQ(nlohmann::json::parse(result.text)["sum"], 3.5);
  EXPECT_EQ(hostApi().service_call(handle.get(), orch::detail::view("nobody.serves"), orch::detail::view("x"),
                                   orch::detail::view("{}"), result.get(), error.get()),
            ORCH_NOT_FOUND);
  manager.shutdownAll();
}

TEST_F(PluginManagerTest, RegistrationOutsideInitIsRefused) {
  auto& record = manager.load(ORCH_FIXTURE_PLUGIN_DIR "/hello_steps.so");
  ASSERT_EQ(record.state, PluginRecord::State::Loaded);
  auto handle = makeHostHandle(record, context, manager);
  orch_step_type_descriptor late{};
  late.struct_size = sizeof late;
  late.name = orch::detail::view("late");
  late.on_execute = [](void*, const orch_step_context*, orch_sink*, orch_sink*) -> orch_status { return ORCH_OK; };
  EXPECT_EQ(hostApi().register_step_type(handle.get(), &late), ORCH_WRONG_PHASE);
  EXPECT_FALSE(context.stepTypes.contains("late"));
  manager.shutdownAll();
}

TEST_F(PluginManagerTest, AnOlderPluginsShorterDescriptorReadsMissingFieldsAsAbsent) {
  auto& record = manager.load(ORCH_FIXTURE_PLUGIN_DIR "/hello_steps.so");
  ASSERT_EQ(record.state, PluginRecord::State::Loaded);
  record.initializing = true; // as during on_init
  auto handle = makeHostHandle(record, context, manager);
  orch_route_descriptor route{};
  route.method = orch::detail::view("GET");
  route.path_template = orch::detail::view("/old/{id}");
  route.on_request = [](void*, const orch_request*, orch_response*, orch_sink*) -> orch_status { return ORCH_OK; };
  route.flags = ORCH_ROUTE_PUBLIC; // beyond the size an old plugin declares: must read as 0
  route.struct_size = offsetof(orch_route_descriptor, flags);
  EXPECT_EQ(hostApi().register_route(handle.get(), &route), ORCH_INVALID) << "on_request lies past the old size";
  route.struct_size = sizeof route;
  EXPECT_EQ(hostApi().register_route(handle.get(), &route), ORCH_OK);
  EXPECT_EQ(record.routes.back()->flags, ORCH_ROUTE_PUBLIC);
  EXPECT_EQ(record.routes.back()->category, "default");
  record.initializing = false;
  manager.shutdownAll();
}
