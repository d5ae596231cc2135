#pragma once

#include <orchestrator/frameworks.hpp>
#include <orchestrator/http.hpp>

#include <fstream>
#include <string>
#include <utility>

namespace agents_test {

/// The field and issue an adapter's validate names, or two empty strings when it accepts.
inline std::pair<std::string, std::string> refusal(const orch::FrameworkAdapter& adapter, const orch::json& definition) {
  try {
    adapter.validate(definition);
  } catch (const orch::HttpError& e) {
    return {e.details().value("field", std::string()), e.details().value("issue", std::string())};
  }
  return {};
}

/// A real definition of tests/samples.
inline orch::json sample(const std::string& file) {
  std::ifstream in(std::string(ORCH_SAMPLES_DIR) + "/" + file);
  return orch::json::parse(in);
}

} // namespace agents_test
