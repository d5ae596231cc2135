#include "TestPostgres.h"

#include <cstdlib>
#include <fstream>
#include <string_view>

namespace orch::test {
namespace {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string urlFile() { return std::string(ORCH_TEST_POSTGRES_DIR) + "/url"; }

} // namespace

std::string postgresUrl() {
  if (auto url = environment("ORCH_TEST_POSTGRES_URL"); !url.empty()) return url;
  std::ifstream file(urlFile());
  std::string url;
  std::getline(file, url);
  return url;
}

bool postgresRequired() {
  const std::string ci = environment("CI");
  return !ci.empty() && ci != "false" && ci != "0";
}

std::string postgresMissingMessage() {
  return "no PostgreSQL for tests: set ORCH_TEST_POSTGRES_URL, or run through ctest, which starts one with "
         "scripts/lib/postgres.sh start " + std::string(ORCH_TEST_POSTGRES_DIR) + " (expected " + urlFile() + ")";
}

} // namespace orch::test
