#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace orch::host {

/// In-process publish/subscribe. Publishing only queues the event; one
/// dispatcher thread delivers events in publish order, so a slow subscriber
/// never blocks a publisher (an HTTP worker, a step). Events are delivered
/// in passes at most kGather apart.
class EventBus {
public:
  using Handler = std::function<void(const std::string& topic, const std::string& payloadJson)>;

  EventBus();
  ~EventBus();

  /// `pattern` is a topic, a prefix ending in `*` ("execution_*"), or "*".
  /// `fromAllHosts`: also the events other hosts published (publishRemote).
  std::uint64_t subscribe(const std::string& pattern, const std::string& owner, Handler handler,
                          bool fromAllHosts = false);
  void unsubscribe(std::uint64_t id);
  /// Drops every subscription of `owner`.
  void unsubscribeOwner(const std::string& owner);
  void publish(std::string topic, std::string payloadJson);
  /// An event another host published: delivered only to the subscriptions
  /// made with `fromAllHosts`, and never relayed again.
  void publishRemote(std::string topic, std::string payloadJson);
  /// Called with every event this host publishes (the relay to other hosts);
  /// set once, before events flow.
  void setRelay(Handler relay);
  /// Waits until every event published so far has been delivered.
  void drain();
  /// Delivers what is queued, then stops the dispatcher.
  void stop();

  static bool matches(const std::string& pattern, const std::string& topic);

private:
  void run();

  struct Subscription {
    std::string pattern, owner;
    Handler handler;
    bool fromAllHosts = false;
  };
  using Subscriptions = std::vector<std::shared_ptr<const Subscription>>;
  /// Rebuilds the list the dispatcher reads; under mutex_.
  void publishSubscriptions();
  struct Event {
    std::string topic, payload;
    bool remote = false;
  };
  void enqueue(Event event);
  std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::map<std::uint64_t, std::shared_ptr<const Subscription>> subscriptions_;
  /// What the dispatcher delivers to: a copy made when subscriptions change
  /// (rarely), so that delivering a batch of events copies no handler.
  std::shared_ptr<const Subscriptions> current_ = std::make_shared<const Subscriptions>();
  std::deque<Event> queue_;
  Handler relay_;
  std::uint64_t nextId_ = 1;
  bool delivering_ = false, stopping_ = false;
  bool waiting_ = false; ///< the dispatcher waits for a first event: only then is it woken
  /// How long the dispatcher lets events gather after a pass; the most an event waits for it.
  static constexpr std::chrono::milliseconds kGather{1};
  std::thread dispatcher_;
};

} // namespace orch::host
