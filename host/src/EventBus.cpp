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
  subscriptions_.emplace(id, std::make_shared<const Subscription>(
                                 Subscription{pattern, owner, std::move(handler), fromAllHosts}));
  publishSubscriptions();
  return id;
}

void EventBus::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  subscriptions_.erase(id);
  publishSubscriptions();
}

void EventBus::unsubscribeOwner(const std::string& owner) {
  std::lock_guard lock(mutex_);
  std::erase_if(subscriptions_, [&](const auto& item) { return item.second->owner == owner; });
  publishSubscriptions();
}

void EventBus::publishSubscriptions() {
  auto list = std::make_shared<Subscriptions>();
  for (const auto& [id, subscription] : subscriptions_) list->push_back(subscription);
  current_ = std::move(list);
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
  bool wake;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    wake = waiting_ && queue_.empty();
    queue_.push_back(std::move(event));
  }
  if (wake) wake_.notify_one();
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
    waiting_ = true;
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    waiting_ = false;
    if (queue_.empty()) break; // stopping, and everything delivered
    // Everything queued goes out in one pass, in publish order.
    std::deque<Event> batch;
    batch.swap(queue_);
    auto subscriptions = current_;
    auto relay = relay_;
    delivering_ = true;
    lock.unlock();
    for (const auto& [topic, payload, remote] : batch) {
      auto deliver = [&](const Handler& handler) {
        try {
          handler(topic, payload);
        } catch (...) {
          // One subscriber's failure must not stop delivery to the others.
        }
      };
      if (!remote && relay) deliver(relay);
      for (const auto& subscription : *subscriptions)
        if ((!remote || subscription->fromAllHosts) && matches(subscription->pattern, topic))
          deliver(subscription->handler);
    }
    lock.lock();
    delivering_ = false;
    if (queue_.empty()) idle_.notify_all();
    // Let events gather before the next pass: a busy host (an event per step)
    // then wakes this thread about a thousand times a second, not once per
    // event, and a context switch costs more than delivering an event.
    wake_.wait_for(lock, kGather, [&] { return stopping_; });
  }
  idle_.notify_all();
}

} // namespace orch::host
