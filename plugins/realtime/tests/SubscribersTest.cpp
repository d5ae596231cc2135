#include "Messages.h"
#include "Subscribers.h"

#include <gtest/gtest.h>

namespace realtime {
namespace {

using json = nlohmann::json;

json event(const std::string& owner, const std::string& organization, const std::string& workflow) {
  return {{"execution_id", "e-" + workflow}, {"workflow_id", workflow}, {"owner_id", owner},
          {"organization_id", organization.empty() ? json() : json(organization)},
          {"progress", {{"completed_steps", 1}, {"total_steps", 4}}}, {"step_name", "Draft"}};
}

std::vector<std::uint64_t> ids(const std::vector<std::pair<std::uint64_t, MessageShape>>& recipients) {
  std::vector<std::uint64_t> out;
  for (const auto& [id, shape] : recipients) out.push_back(id);
  return out;
}

TEST(Subscribers, AnEventReachesItsOwnerAndTheirOrganizationOnly) {
  Subscribers subscribers;
  subscribers.add(1, {{"alice", {}}, MessageShape::Executions});
  subscribers.add(2, {{"bob", {"org-1"}}, MessageShape::Api});
  subscribers.add(3, {{"carol", {"org-2"}}, MessageShape::User});
  EXPECT_EQ(ids(subscribers.recipients(event("alice", "", "w"))), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(ids(subscribers.recipients(event("alice", "org-1", "w"))), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_TRUE(subscribers.recipients(event("mallory", "", "w")).empty());
  EXPECT_TRUE(subscribers.recipients(json::object()).empty());
  // An admin sees every tenant's executions over HTTP, and so hears them too.
  subscribers.add(4, {{"root", {}, true}, MessageShape::Api});
  EXPECT_EQ(ids(subscribers.recipients(event("mallory", "", "w"))), (std::vector<std::uint64_t>{4}));
}

TEST(Subscribers, SubscriptionsNarrowAndABareUnsubscribeWidensAgain) {
  Subscribers subscribers;
  subscribers.add(1, {{"alice", {}}, MessageShape::Api});
  auto result = subscribers.change(1, {{"type", "subscribe"}, {"workflow_id", "w2"}});
  EXPECT_EQ(result["filters"]["workflow_id"], json::array({"w2"}));
  EXPECT_TRUE(subscribers.recipients(event("alice", "", "w1")).empty());
  EXPECT_EQ(ids(subscribers.recipients(event("alice", "", "w2"))), (std::vector<std::uint64_t>{1}));
  EXPECT_TRUE(subscribers.change(1, {{"type", "subscribe"}}).is_string());
  EXPECT_TRUE(subscribers.change(1, {{"type", "subscribe"}, {"agent_id", 7}}).is_string());
  EXPECT_TRUE(subscribers.change(1, {{"type", "subscribe"}, {"channel", "gossip"}}).is_string());
  subscribers.change(1, {{"type", "unsubscribe"}});
  EXPECT_EQ(ids(subscribers.recipients(event("alice", "", "w1"))), (std::vector<std::uint64_t>{1}));
  subscribers.remove(1);
  EXPECT_TRUE(subscribers.recipients(event("alice", "", "w1")).empty());
  EXPECT_TRUE(subscribers.change(1, {{"type", "subscribe"}, {"workflow_id", "w"}}).is_string());
}

TEST(Messages, EachDialectGetsItsSeedsShape) {
  auto step = event("alice", "", "w");
  auto seed000 = message("step_completed", step, MessageShape::Executions);
  EXPECT_EQ(seed000["type"], "execution_update");
  EXPECT_EQ(seed000["status"], "step_completed");
  EXPECT_EQ(seed000["step_name"], "Draft");
  EXPECT_EQ(seed000["progress"], json({{"completed_steps", 1}, {"total_steps", 4}}));
  EXPECT_FALSE(seed000["data"].contains("owner_id"));
  auto seed001 = message("step_completed", step, MessageShape::Client);
  EXPECT_EQ(seed001["type"], "workflow_execution_update");
  EXPECT_EQ(seed001["data"]["progress"], 25);
  EXPECT_EQ(seed001["data"]["current_step"], "Draft");
  EXPECT_EQ(message("execution_started", step, MessageShape::User)["type"], "execution_started");
  EXPECT_EQ(message("agent_created", {{"agent_id", "a"}}, MessageShape::Api)["type"], "agent_created");
  EXPECT_TRUE(forwarded("execution_failed"));
  EXPECT_FALSE(forwarded("credential.rotated"));
}

} // namespace
} // namespace realtime
