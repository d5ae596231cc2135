// The SDK's reading of comma-separated settings (orchestrator/settings.hpp),
// which plugins use for lists such as ai.providers and secrets.previous_keys.
#include <orchestrator/settings.hpp>

#include <gtest/gtest.h>

namespace {

using Items = std::vector<std::string>;

TEST(SettingsList, SplitsOnCommasTrimsAndDropsEmptyItems) {
  EXPECT_EQ(orch::listItems("openai,anthropic"), (Items{"openai", "anthropic"}));
  EXPECT_EQ(orch::listItems(" a , b,,\tc ,"), (Items{"a", "b", "c"}));
  EXPECT_EQ(orch::listItems("key+/=="), (Items{"key+/=="})) << "base64 keys pass whole";
  EXPECT_TRUE(orch::listItems("").empty());
  EXPECT_TRUE(orch::listItems(" , ,").empty());
}

} // namespace
