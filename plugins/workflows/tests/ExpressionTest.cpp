#include "engine/Expression.h"
#include "engine/Variables.h"
#include "outbound/NetworkGuard.h"

#include <orchestrator/time.hpp>

#include <gtest/gtest.h>

namespace workflows {
namespace {

const orch::json kScope = {{"input", {{"score", 7}, {"name", "Ada"}, {"tags", {"vip", "eu"}}, {"customer", {{"tier", "gold"}}}}},
                           {"steps", {{"classify", {{"output", {{"label", "positive"}, {"items", {{{"v", 1}}, {{"v", 2}}}}}}}}}},
                           {"execution", {{"id", "e-1"}}}};

orch::json eval(const std::string& text) { return evaluate(text, Variables(kScope)); }

TEST(Variables, ReadInputsStepOutputsAndArrayItems) {
  Variables variables(kScope);
  EXPECT_EQ(variables.lookup("name"), orch::json("Ada"));
  EXPECT_EQ(variables.lookup("input.customer.tier"), orch::json("gold"));
  EXPECT_EQ(variables.lookup("steps.classify.output.items[1].v"), orch::json(2));
  EXPECT_EQ(variables.lookup("steps.classify.output.items.0.v"), orch::json(1));
  EXPECT_EQ(variables.lookup("execution.id"), orch::json("e-1"));
  EXPECT_FALSE(variables.lookup("steps.nope.output"));
  EXPECT_FALSE(variables.lookup("missing"));
}

TEST(Variables, FillKeepsTypesForWholePlaceholdersAndNamesTheUnknownOne) {
  Variables variables(kScope);
  auto filled = variables.fill({{"n", "{{score}}"}, {"text", "Hi {{ name }}, {{score}} points"}, {"raw", "{{score}}"}}, {"raw"});
  EXPECT_EQ(filled["n"], 7);
  EXPECT_EQ(filled["text"], "Hi Ada, 7 points");
  EXPECT_EQ(filled["raw"], "{{score}}") << "raw keys are left for the step";
  try {
    variables.fill({{"x", "{{steps.later.output.y}}"}});
    FAIL() << "an unknown variable must fail";
  } catch (const UnknownVariable& e) {
    EXPECT_EQ(e.name(), "steps.later.output.y");
  }
}

TEST(Expression, ComparesCombinesAndComputes) {
  EXPECT_EQ(eval("score > 5 && name == 'Ada'"), true);
  EXPECT_EQ(eval("score >= 8 or customer.tier == \"gold\""), true);
  EXPECT_EQ(eval("!(score < 10)"), false);
  EXPECT_EQ(eval("score * 2 + 1"), 15);
  EXPECT_EQ(eval("score / 2"), 3.5);
  EXPECT_EQ(eval("'vip' in tags"), true);
  EXPECT_EQ(eval("steps.classify.output.label contains 'pos'"), true);
  EXPECT_EQ(eval("{{steps.classify.output.label}} == 'positive'"), true);
  EXPECT_EQ(eval("name + '!'"), "Ada!");
  EXPECT_EQ(eval("null == null"), true);
}

TEST(Expression, ExplainsWhatIsWrong) {
  EXPECT_THROW(eval("score >"), ExpressionError);
  EXPECT_THROW(eval("score > 'x'"), ExpressionError);
  EXPECT_THROW(eval("(score"), ExpressionError);
  EXPECT_THROW(eval("1 / 0"), ExpressionError);
  EXPECT_THROW(eval("unknown_name > 1"), UnknownVariable);
  EXPECT_FALSE(truthy(eval("''")));
  EXPECT_TRUE(truthy(eval("tags")));
}

TEST(NetworkGuard, RefusesEveryNonPublicRangeAndAllowsPublicOnes) {
  for (const char* address : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
                              "169.254.1.1", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::",
                              "fd00:ec2::254", "fe80::1", "::ffff:127.0.0.1", "64:ff9b::a00:1", "ff02::1"})
    EXPECT_NE(outbound::network_guard::privateReason(address), "") << address;
  for (const char* address : {"93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8"})
    EXPECT_EQ(outbound::network_guard::privateReason(address), "") << address;
  EXPECT_EQ(outbound::network_guard::privateReason("169.254.169.254"), "the cloud metadata address");
  EXPECT_THROW(outbound::network_guard::resolve("localhost", false), outbound::BlockedDestination);
  EXPECT_FALSE(outbound::network_guard::resolve("localhost", true).empty());
}

TEST(Clock, ParsesRfc3339WithOffsetsAndFractions) {
  EXPECT_EQ(orch::parseRfc3339("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(orch::parseRfc3339("1970-01-01T01:00:01.5+01:00"), 1500);
  EXPECT_EQ(orch::rfc3339Millis(1500), "1970-01-01T00:00:01.500Z");
  const std::pair<std::int64_t, const char*> dates[] = {{951825599123, "2000-02-29T11:59:59.123Z"},
                                                        {-1, "1969-12-31T23:59:59.999Z"},
                                                        {4102444799999, "2099-12-31T23:59:59.999Z"},
                                                        {1756136700123, "2025-08-25T15:45:00.123Z"}};
  for (const auto& [ms, text] : dates) {
    EXPECT_EQ(orch::rfc3339Millis(ms), text);
    EXPECT_EQ(orch::parseRfc3339(text), ms) << text;
  }
  EXPECT_FALSE(orch::parseRfc3339("tomorrow"));
  EXPECT_FALSE(orch::parseRfc3339("2025-13-01T00:00:00Z"));
}

} // namespace
} // namespace workflows
