// The official JSON Schema test suite (draft 7) run through ConfigSchema, so
// the validator behind step configs is known to follow the draft it claims.
// Remote "$ref"s (http://localhost:1234/...) are answered from the suite's own
// remotes folder, and the draft-07 meta-schema (which the suite expects an
// implementation to know) from tests/data, so refRemote.json runs too; only
// optional/ is left out.
#include "ConfigSchema.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

using orch::json;
using workflows::ConfigSchema;

namespace {

namespace fs = std::filesystem;

const std::string kRemoteBase = "http://localhost:1234/";
const std::string kMetaSchemaUri = "http://json-schema.org/draft-07/schema";

// valijson 1.0 hands a relative "$ref" to the loader as it is written ("node",
// "name.json") instead of resolving it against the "$id" in scope, so no
// loader can find the document: every case of these groups fails.
const char* const kRelativeRefReason = "valijson does not resolve a relative $ref against the enclosing $id";

/// Groups ("file / group description") valijson 1.0 gets wrong, with the reason.
/// Every other case of the suite must pass.
const std::map<std::string, std::string> kKnownFailures = {
    {"ref.json / Recursive references between schemas", kRelativeRefReason},
    {"refRemote.json / base URI change", kRelativeRefReason},
    {"refRemote.json / base URI change - change folder", kRelativeRefReason},
    {"refRemote.json / base URI change - change folder in subschema", kRelativeRefReason},
    {"refRemote.json / root ref in remote ref", kRelativeRefReason},
};

json readJson(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

std::optional<json> loadRemote(const std::string& uri) {
  if (uri == kMetaSchemaUri) return readJson(fs::path(WORKFLOWS_TEST_DATA_DIR) / "json-schema-draft-07.json");
  if (uri.rfind(kRemoteBase, 0) != 0) return std::nullopt;
  fs::path path = fs::path(JSON_SCHEMA_TEST_SUITE_REMOTES_DIR) / uri.substr(kRemoteBase.size());
  if (!fs::is_regular_file(path)) return std::nullopt;
  return readJson(path);
}

struct Tally {
  int ran = 0;
  int passed = 0;
  int knownFailures = 0;
  int skipped = 0;
  std::vector<std::string> failures;
  std::vector<std::string> knownFailuresNowPassing;
};

void record(Tally& tally, const std::string& group, const std::string& name, bool ok, const std::string& why) {
  ++tally.ran;
  bool known = kKnownFailures.count(group) > 0;
  if (ok) {
    ++tally.passed;
    if (known) tally.knownFailuresNowPassing.push_back(name);
  } else if (known) {
    ++tally.knownFailures;
  } else {
    tally.failures.push_back(name + ": " + why);
  }
}

void runFile(const fs::path& file, Tally& tally) {
  const std::string fileName = file.filename().string();
  for (const auto& group : readJson(file)) {
    const std::string groupName = fileName + " / " + group["description"].get<std::string>();
    std::optional<ConfigSchema> schema;
    std::string compileError;
    try {
      schema = ConfigSchema::compile(group["schema"], loadRemote);
    } catch (const std::invalid_argument& e) {
      compileError = e.what();
    }
    for (const auto& test : group["tests"]) {
      const std::string name = groupName + " / " + test["description"].get<std::string>();
      const bool expected = test["valid"].get<bool>();
      if (!schema) {
        record(tally, groupName, name, false, "schema refused: " + compileError);
        continue;
      }
      const bool actual = schema->accepts(test["data"]);
      // firstProblem must agree with accepts: a problem exactly when invalid.
      const bool problemAgrees = schema->firstProblem(test["data"], "config").has_value() == !actual;
      record(tally, groupName, name, actual == expected && problemAgrees,
             "expected " + std::string(expected ? "valid" : "invalid") + ", got " + (actual ? "valid" : "invalid") +
                 (problemAgrees ? "" : " (firstProblem disagrees with accepts)"));
    }
  }
}

int countCases(const fs::path& folder) {
  int cases = 0;
  for (const auto& entry : fs::recursive_directory_iterator(folder)) {
    if (entry.path().extension() != ".json") continue;
    for (const auto& group : readJson(entry.path())) cases += static_cast<int>(group["tests"].size());
  }
  return cases;
}

} // namespace

TEST(JsonSchemaTestSuite, EveryRequiredDraft7CasePasses) {
  const fs::path suite(JSON_SCHEMA_TEST_SUITE_DIR);
  ASSERT_TRUE(fs::is_directory(suite)) << suite << " missing: install json-schema-test-suite";

  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(suite))
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 30u) << "the draft-7 suite has 35 files";

  Tally tally;
  for (const auto& file : files) runFile(file, tally);
  tally.skipped = countCases(suite / "optional");

  std::cout << "[ suite    ] draft7: " << files.size() << " files, " << tally.ran << " cases ran, " << tally.passed
            << " passed, " << tally.knownFailures << " known failures, " << tally.skipped
            << " skipped (optional/)" << std::endl;
  for (const auto& [group, reason] : kKnownFailures)
    std::cout << "[ suite    ] known failure: " << group << " (" << reason << ")" << std::endl;

  for (const auto& failure : tally.failures) ADD_FAILURE() << failure;
  for (const auto& fixed : tally.knownFailuresNowPassing)
    ADD_FAILURE() << "known failure now passes, drop it from kKnownFailures: " << fixed;
  EXPECT_EQ(tally.ran, tally.passed + tally.knownFailures);
  EXPECT_GE(tally.ran, 400) << "the draft-7 suite of json-schema-test-suite 2.0.0 has 423 required cases";
}
