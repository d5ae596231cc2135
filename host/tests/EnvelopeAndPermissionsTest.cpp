#include "orchestrator/host/ErrorEnvelope.h"
#include "orchestrator/host/RequestPipeline.h"

#include <orchestrator/ids.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <set>

using namespace orch::host;

TEST(ErrorEnvelope, HasEveryFieldOfTheContract) {
  auto body = nlohmann::json::parse(errorEnvelope("VALIDATION_ERROR", "Invalid workflow",
                                                  R"({"field":"steps[0].config.prompt","issue":"Prompt cannot be empty"})",
                                                  "req-1", "corr-1"));
  EXPECT_EQ(body["error"]["code"], "VALIDATION_ERROR");
  EXPECT_EQ(body["error"]["message"], "Invalid workflow");
  EXPECT_EQ(body["error"]["details"]["field"], "steps[0].config.prompt");
  EXPECT_EQ(body["error"]["request_id"], "req-1");
  EXPECT_EQ(body["error"]["correlation_id"], "corr-1");
  EXPECT_EQ(body["detail"], "Invalid workflow");
  EXPECT_TRUE(std::regex_match(body["error"]["timestamp"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

TEST(ErrorEnvelope, SurvivesBadDetailsAndBadUtf8) {
  auto body = nlohmann::json::parse(errorEnvelope("BAD_REQUEST", "bad \xff byte", "{not json", "r", ""));
  EXPECT_TRUE(body["error"]["details"].is_object());
  EXPECT_EQ(body["error"]["correlation_id"], "r");
}

TEST(ErrorEnvelope, MapsStatusesToCodes) {
  EXPECT_EQ(errorCodeForStatus(404), "NOT_FOUND");
  EXPECT_EQ(errorCodeForStatus(429), "RATE_LIMITED");
  EXPECT_EQ(errorCodeForStatus(503), "SERVICE_UNAVAILABLE");
  EXPECT_EQ(errorCodeForStatus(500), "INTERNAL_ERROR");
}

TEST(NewId, IsVersion4AndUnique) {
  std::set<std::string> seen;
  std::regex v4(R"([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})");
  for (int i = 0; i < 1000; ++i) {
    auto id = orch::newId();
    EXPECT_TRUE(std::regex_match(id, v4)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Permissions, GrantExactlyOrByWildcard) {
  EXPECT_TRUE(grants({"workflow:read"}, "workflow:read"));
  EXPECT_FALSE(grants({"workflow:read"}, "workflow:execute"));
  EXPECT_TRUE(grants({"workflow:*"}, "workflow:execute"));
  EXPECT_FALSE(grants({"workflow:*"}, "agent:deploy"));
  EXPECT_TRUE(grants({"admin:*"}, "agent:deploy"));
  EXPECT_TRUE(grants({"*"}, "marketplace:publish"));
  EXPECT_FALSE(grants({}, "workflow:read"));
  EXPECT_FALSE(grants({"workflow:read:extra"}, "workflow:read"));
}
