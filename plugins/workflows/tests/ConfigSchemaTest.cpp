// ConfigSchema: where a config fails (the field of the 422) and why (the issue).
#include "ConfigSchema.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using orch::json;
using workflows::ConfigSchema;

namespace {

// Shaped like a built-in step type's config schema.
const json kPromptSchema = json::parse(R"({
  "type": "object",
  "required": ["prompt"],
  "properties": {
    "prompt": {"type": "string", "minLength": 1, "x-error-message": "Prompt cannot be empty"},
    "model": {"type": "string"},
    "max_tokens": {"type": "integer", "minimum": 1},
    "headers": {"type": "object", "additionalProperties": {"type": "string"}},
    "recipients": {"type": "array", "items": {"type": "string", "format": "email", "minLength": 3}},
    "retry": {"$ref": "#/definitions/retry"}
  },
  "definitions": {
    "retry": {
      "type": "object",
      "properties": {"count": {"type": "integer", "maximum": 5, "x-error-message": "At most 5 retries"}}
    }
  }
})");

ConfigSchema::Problem problemOf(const json& config) {
  auto problem = ConfigSchema::compile(kPromptSchema).firstProblem(config, "steps[0].config");
  EXPECT_TRUE(problem.has_value()) << config.dump();
  return problem.value_or(ConfigSchema::Problem{});
}

} // namespace

TEST(ConfigSchema, AValidConfigHasNoProblem) {
  auto schema = ConfigSchema::compile(kPromptSchema);
  json config = {{"prompt", "Analyze this"}, {"model", "gpt-4"}, {"max_tokens", 500}};
  EXPECT_FALSE(schema.firstProblem(config, "steps[0].config").has_value());
  EXPECT_TRUE(schema.accepts(config));
}

TEST(ConfigSchema, AnEmptyPromptIsNamedWithTheSchemasOwnMessage) {
  auto problem = problemOf({{"prompt", ""}});
  EXPECT_EQ(problem.field, "steps[0].config.prompt");
  EXPECT_EQ(problem.issue, "Prompt cannot be empty");
}

TEST(ConfigSchema, AMissingRequiredPropertyIsNamedAsTheProperty) {
  auto problem = problemOf(json::object());
  EXPECT_EQ(problem.field, "steps[0].config.prompt");
  EXPECT_EQ(problem.issue, "Prompt cannot be empty");
}

TEST(ConfigSchema, WithoutACustomMessageValijsonsDescriptionIsTheIssue) {
  auto problem = problemOf({{"prompt", "x"}, {"max_tokens", "many"}});
  EXPECT_EQ(problem.field, "steps[0].config.max_tokens");
  EXPECT_FALSE(problem.issue.empty());
  EXPECT_NE(problem.issue, "Prompt cannot be empty");
}

TEST(ConfigSchema, ArrayItemsAreNamedByIndex) {
  auto problem = problemOf({{"prompt", "x"}, {"recipients", {"ann@example.com", "bob@example.com", 7}}});
  EXPECT_EQ(problem.field, "steps[0].config.recipients[2]");
}

TEST(ConfigSchema, KeysThatAreNotIdentifiersAreQuoted) {
  auto problem = problemOf({{"prompt", "x"}, {"headers", {{"X-Trace.Id", 1}}}});
  EXPECT_EQ(problem.field, "steps[0].config.headers[\"X-Trace.Id\"]");
}

TEST(ConfigSchema, MessagesAreFoundThroughLocalRefs) {
  auto problem = problemOf({{"prompt", "x"}, {"retry", {{"count", 9}}}});
  EXPECT_EQ(problem.field, "steps[0].config.retry.count");
  EXPECT_EQ(problem.issue, "At most 5 retries");
}

TEST(ConfigSchema, AWrongTypeAtTheRootIsNamedAsTheBasePath) {
  auto problem = problemOf("just text");
  EXPECT_EQ(problem.field, "steps[0].config");
}

TEST(ConfigSchema, AnEmptyBasePathGivesAPathFromTheValue) {
  auto problem = ConfigSchema::compile(kPromptSchema).firstProblem({{"prompt", ""}}, "");
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->field, "prompt");
}

TEST(ConfigSchema, AnInvalidSchemaIsRefusedNotAborted) {
  EXPECT_THROW(ConfigSchema::compile(42), std::invalid_argument);
  EXPECT_THROW(ConfigSchema::compile({{"type", 12}}), std::invalid_argument);
  EXPECT_THROW(ConfigSchema::compile({{"minLength", "one"}}), std::invalid_argument);
  EXPECT_THROW(ConfigSchema::compile({{"$ref", "#/definitions/missing"}}), std::invalid_argument);
}

TEST(ConfigSchema, RemoteRefsAreRefusedWithoutALoader) {
  EXPECT_THROW(ConfigSchema::compile({{"$ref", "http://example.com/schema.json"}}), std::invalid_argument);
}

TEST(ConfigSchema, OneCompiledSchemaValidatesFromManyThreadsAtOnce) {
  auto schema = ConfigSchema::compile(json::parse(R"({
    "type": "object",
    "properties": {"code": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$"}}
  })"));
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&schema, &wrong, t] {
      for (int i = 0; i < 2000; ++i) {
        bool valid = (i + t) % 2 == 0;
        json config = {{"code", valid ? "ABC-" + std::to_string(i) : "abc" + std::to_string(i)}};
        auto problem = schema.firstProblem(config, "config");
        if (problem.has_value() == valid || (problem && problem->field != "config.code")) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(ConfigSchema, AnUnexpectedPropertyIsNamedAsTheProperty) {
  auto schema = ConfigSchema::compile({{"type", "object"}, {"properties", {{"url", {{"type", "string"}}}}},
                                       {"additionalProperties", false}});
  auto problem = schema.firstProblem({{"url", "https://example.com"}, {"verb", "GET"}}, "steps[3].config");
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->field, "steps[3].config.verb");
}
