// An out-of-tree plugin built against the SDK alone: one route and one
// workflow step type. Build it with the CMakeLists.txt beside this file.
#include <orchestrator/plugin.hpp>

namespace {

/// The plugin's settings, declared once: the host checks them, lists them in
/// GET /api/v1/plugins and answers their defaults.
struct HelloSettings {
  std::string greeting;
};

const orch::SettingsMap<HelloSettings> kHelloSettings = {
    {"hello_steps.greeting", &HelloSettings::greeting, "Hello", "The word every greeting starts with"},
};

orch::json greet(const std::string& name, const std::string& greeting) {
  if (name.empty()) throw orch::HttpError::validation("name", "Name cannot be empty");
  return {{"message", greeting + ", " + name + "!"}};
}

void init(orch::Plugin& plugin) {
  auto greeting = plugin.settings(kHelloSettings).greeting;

  // GET /api/v1/hello/{name}: anyone may call it.
  plugin.route("GET", "/hello/{name}", [greeting](orch::Request& request, orch::Response& response) {
    response.json(greet(request.param("name"), greeting));
  }, {.summary = "Greets someone", .flags = ORCH_ROUTE_PUBLIC});

  // A step type: {"type": "greet", "config": {"name": "Ada"}} outputs {"message": "Hello, Ada!"}.
  plugin.stepType("greet", "Greets the name in its config",
                  {{"type", "object"},
                   {"required", {"name"}},
                   {"properties", {{"name", {{"type", "string"}, {"minLength", 1}}}}}},
                  [greeting](const orch::StepContext& step) {
                    return greet(step.config.value("name", std::string()), greeting);
                  },
                  {.pure = true});
}

} // namespace

ORCH_PLUGIN("hello_steps", "1.0.0", "Example: a greeting route and a greeting step type", init)
