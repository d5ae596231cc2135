#include "Subscribers.h"

namespace realtime {
namespace {

/// The string at `key`, without a copy; null when absent or not a string.
const std::string* textAt(const nlohmann::json& event, const std::string& key) {
  auto it = event.find(key);
  return it != event.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

} // namespace

const std::vector<std::string>& Subscribers::filterKeys() {
  static const std::vector<std::string> keys{"execution_id", "workflow_id", "agent_id"};
  return keys;
}

void Subscribers::add(std::uint64_t connection, Subscriber subscriber) {
  std::lock_guard lock(mutex_);
  subscribers_[connection] = std::move(subscriber);
}

void Subscribers::remove(std::uint64_t connection) {
  std::lock_guard lock(mutex_);
  subscribers_.erase(connection);
}

nlohmann::json Subscribers::change(std::uint64_t connection, const nlohmann::json& message) {
  bool subscribe = message.value("type", "") == "subscribe";
  std::lock_guard lock(mutex_);
  auto found = subscribers_.find(connection);
  if (found == subscribers_.end()) return "the connection is closed";
  auto& subscriber = found->second;
  bool named = false;
  if (message.contains("channel")) {
    if (message["channel"] != "metrics") return "the only channel is \"metrics\"";
    subscriber.metrics = subscribe;
    named = true;
  }
  for (const auto& key : filterKeys()) {
    auto value = message.find(key);
    if (value == message.end()) continue;
    if (!value->is_string() || value->get<std::string>().empty()) return key + " must be a non-empty string";
    named = true;
    auto& ids = subscriber.filters[key];
    if (subscribe) {
      ids.insert(value->get<std::string>());
    } else {
      ids.erase(value->get<std::string>());
      if (ids.empty()) subscriber.filters.erase(key);
    }
  }
  if (!named) {
    if (subscribe) return "name an execution_id, a workflow_id, an agent_id or the \"metrics\" channel";
    subscriber.filters.clear(); // a bare unsubscribe: back to every event of the tenant
    subscriber.metrics = false;
  }
  nlohmann::json filters = nlohmann::json::object();
  for (const auto& [key, ids] : subscriber.filters) filters[key] = ids;
  return {{"filters", filters}, {"metrics", subscriber.metrics}};
}

std::vector<std::pair<std::uint64_t, MessageShape>> Subscribers::recipients(const nlohmann::json& event) const {
  std::vector<std::pair<std::uint64_t, MessageShape>> result;
  if (!event.is_object()) return result;
  // Read once per event, not once per connection: a broadcast may reach thousands.
  const auto* owner = textAt(event, "owner_id");
  auto organization = event.value("organization_id", nlohmann::json());
  std::vector<std::pair<const std::string*, const std::string*>> ids; // filter key, the event's id for it
  for (const auto& key : filterKeys()) ids.emplace_back(&key, textAt(event, key));
  static const std::string none;
  std::lock_guard lock(mutex_);
  for (const auto& [connection, subscriber] : subscribers_) {
    if (!subscriber.tenant.canSee(owner ? *owner : none, organization)) continue;
    bool wanted = subscriber.filters.empty();
    for (const auto& [key, id] : ids) {
      if (wanted) break;
      auto filter = subscriber.filters.find(*key);
      wanted = id && filter != subscriber.filters.end() && filter->second.count(*id);
    }
    if (wanted) result.emplace_back(connection, subscriber.shape);
  }
  return result;
}

std::vector<std::pair<std::uint64_t, MessageShape>> Subscribers::metricsSubscribers() const {
  std::vector<std::pair<std::uint64_t, MessageShape>> result;
  std::lock_guard lock(mutex_);
  for (const auto& [connection, subscriber] : subscribers_)
    if (subscriber.metrics) result.emplace_back(connection, subscriber.shape);
  return result;
}

std::size_t Subscribers::size() const {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

} // namespace realtime
