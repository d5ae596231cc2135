#pragma once

#include <nlohmann/json.hpp>

namespace agents_test {

/// A LangGraph graph as get_graph().to_json() writes it, each node bound to a
/// step: __start__ -> classify, which routes on the state's "route":
/// "urgent" -> escalate -> __end__, "routine" -> __end__.
inline nlohmann::json langGraphRouter() {
  using json = nlohmann::json;
  return {{"nodes", {{{"id", "__start__"}, {"type", "runnable"}, {"data", {{"name", "__start__"}}}},
                     {{"id", "classify"}, {"type", "runnable"}, {"data", {{"name", "classify"}}}},
                     {{"id", "escalate"}, {"type", "runnable"}, {"data", {{"name", "escalate"}}}},
                     {{"id", "__end__"}}}},
          {"edges", {{{"source", "__start__"}, {"target", "classify"}},
                     {{"source", "classify"}, {"target", "escalate"}, {"conditional", true}, {"data", "urgent"}},
                     {{"source", "classify"}, {"target", "__end__"}, {"conditional", true}, {"data", "routine"}},
                     {{"source", "escalate"}, {"target", "__end__"}}}},
          {"bindings", {{"classify", {{"type", "transform"}, {"config", {{"mapping", {{"branch", "{{route}}"}}}}}}},
                        {"escalate", {{"type", "transform"}, {"config", {{"mapping", {{"escalated", true}}}}}}}}},
          {"recursion_limit", 25}};
}

} // namespace agents_test
