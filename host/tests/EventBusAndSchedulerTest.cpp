#include "orchestrator/host/EventBus.h"
#include "orchestrator/host/Scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace orch::host;
using namespace std::chrono_literals;

TEST(EventBus, DeliversInOrderToMatchingSubscribers) {
  EventBus bus;
  std::vector<std::string> seen;
  std::atomic<int> all{0};
  bus.subscribe("execution_*", "a", [&](const std::string& topic, const std::string& payload) {
    seen.push_back(topic + payload);
  });
  bus.subscribe("*", "b", [&](const std::string&, const std::string&) { ++all; });
  bus.subscribe("other", "c", [&](const std::string&, const std::string&) { throw std::runtime_error("ignored"); });
  bus.publish("execution_started", "1");
  bus.publish("agent_created", "2");
  bus.publish("other", "3");
  bus.publish("execution_completed", "4");
  bus.drain();
  EXPECT_EQ(seen, (std::vector<std::string>{"execution_started1", "execution_completed4"}));
  EXPECT_EQ(all.load(), 4);
}

TEST(EventBus, UnsubscribedOwnersReceiveNothing) {
  EventBus bus;
  std::atomic<int> count{0};
  auto id = bus.subscribe("t", "a", [&](const std::string&, const std::string&) { ++count; });
  bus.subscribe("t", "b", [&](const std::string&, const std::string&) { ++count; });
  bus.unsubscribe(id);
  bus.unsubscribeOwner("b");
  bus.publish("t", "{}");
  bus.drain();
  EXPECT_EQ(count.load(), 0);
  EXPECT_TRUE(EventBus::matches("*", "anything"));
  EXPECT_FALSE(EventBus::matches("exec", "execution"));
}

TEST(Scheduler, RunsJobsAndRepeatingTimersUntilCancelled) {
  Scheduler scheduler(2);
  std::atomic<int> jobs{0}, ticks{0};
  for (int i = 0; i < 10; ++i) scheduler.submit("p", [&] { ++jobs; });
  auto timer = scheduler.startTimer("p", 0ms, 10ms, [&] { ++ticks; });
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while ((jobs < 10 || ticks < 3) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(jobs.load(), 10);
  EXPECT_GE(ticks.load(), 3);
  scheduler.cancelTimer(timer);
  std::this_thread::sleep_for(30ms); // a run already handed to a worker may still finish
  int after = ticks.load();
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(ticks.load(), after);
}

TEST(Scheduler, StopOwnerWaitsForItsRunningJob) {
  Scheduler scheduler(2);
  std::atomic<bool> started{false}, finished{false};
  scheduler.submit("slow", [&] {
    started = true;
    std::this_thread::sleep_for(100ms);
    finished = true;
  });
  while (!started) std::this_thread::sleep_for(1ms);
  scheduler.stopOwner("slow");
  EXPECT_TRUE(finished.load());
}
