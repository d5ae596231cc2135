#include "orchestrator/host/EventBus.h"

#include <vector>

namespace orch::host {

EventBus::EventBus() : dispatcher_([this] { run(); }) {}

EventBus::~EventBus() { stop(); }

bool EventBus::matches(const std::string& pattern, const std::string& topic) {
  if (!pattern.empty() && pattern.back() == '*')
    return topic.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  return pattern == topic;
}

std::uint64_t EventBus::subscribe(const std::string& pattern, const std::string& owner, Handler handler,
                                  bool fromAllHosts) {
  std::lock_guard lock(mutex_);
  auto id = nextId_++;
  subscriptions_.emplace(id, Subscription{pattern, owner, std::move(handler), fromAllHosts});
  return id;
}

void EventBus::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  subscriptions_.erase(id);
}

void EventBus::unsubscribeOwner(const std::string& owner) {
  std::lock_guard lock(mutex_);
  std::erase_if(subscriptions_, [&](const auto& item) { return item.second.owner == owner; });
}

void EventBus::publish(std::string topic, std::string payloadJson) {
  enqueue({std::move(topic), std::move(payloadJson), false});
}

void EventBus::publishRemote(std::string topic, std::string payloadJson) {
  enqueue({std::move(topic), std::move(payloadJson), true});
}

void EventBus::setRelay(Handler relay) {
  std::lock_guard lock(mutex_);
  relay_ = std::move(relay);
}

void EventBus::enqueue(Event event) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    queue_.push_back(std::move(event));
  }
  wake_.notify_one();
}

void EventBus::drain() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return queue_.empty() && !delivering_; });
}

void EventBus::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (dispatcher_.joinable()) dispatcher_.join();
}

void EventBus::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) break; // stopping, and everything delivered
    auto event = std::move(queue_.front());
    queue_.pop_front();
    const auto& [topic, payload, remote] = event;
    std::vector<Handler> targets;
    if (!remote && relay_) targets.push_back(relay_);
    for (const auto& [id, subscription] : subscriptions_)
      if ((!remote || subscription.fromAllHosts) && matches(subscription.pattern, topic))
        targets.push_back(subscription.handler);
    delivering_ = true;
    lock.unlock();
    for (const auto& handler : targets) {
      try {
        handler(topic, payload);
      } catch (...) {
        // One subscriber's failure must not stop delivery to the others.
      }
    }
    lock.lock();
    delivering_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
  idle_.notify_all();
}

} // namespace orch::host
