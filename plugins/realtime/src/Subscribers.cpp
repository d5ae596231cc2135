#include "Subscribers.h"

namespace realtime {
namespace {

std::string text(const nlohmann::json& value) { return value.is_string() ? value.get<std::string>() : std::string(); }

bool inTenant(const Subscriber& subscriber, const nlohmann::json& event) {
  auto owner = text(event.value("owner_id", nlohmann::json()));
  auto organization = text(event.value("organization_id", nlohmann::json()));
  return (!owner.empty() && owner == subscriber.userId) ||
         (!organization.empty() && subscriber.organizationIds.count(organization));
}

bool wanted(const Subscriber& subscriber, const nlohmann::json& event) {
  if (subscriber.filters.empty()) return true;
  for (const auto& [key, ids] : subscriber.filters) {
    auto id = text(event.value(key, nlohmann::json()));
    if (!id.empty() && ids.count(id)) return true;
  }
  return false;
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

std::vector<std::pair<std::uint64_t, Dialect>> Subscribers::recipients(const nlohmann::json& event) const {
  std::vector<std::pair<std::uint64_t, Dialect>> result;
  std::lock_guard lock(mutex_);
  for (const auto& [connection, subscriber] : subscribers_)
    if (inTenant(subscriber, event) && wanted(subscriber, event)) result.emplace_back(connection, subscriber.dialect);
  return result;
}

std::vector<std::pair<std::uint64_t, Dialect>> Subscribers::metricsSubscribers() const {
  std::vector<std::pair<std::uint64_t, Dialect>> result;
  std::lock_guard lock(mutex_);
  for (const auto& [connection, subscriber] : subscribers_)
    if (subscriber.metrics) result.emplace_back(connection, subscriber.dialect);
  return result;
}

std::size_t Subscribers::size() const {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

} // namespace realtime
