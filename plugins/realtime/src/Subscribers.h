#pragma once

#include <nlohmann/json.hpp>
#include <orchestrator/tenancy.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace realtime {

/// Which message shapes a connection speaks, by the endpoint it opened.
enum class MessageShape {
  Executions, ///< /ws/executions: "execution_update", fields at the top
  Client,     ///< /ws/{client_id}: "workflow_execution_update", progress in percent
  User,       ///< /api/ws/{user_id}: the event's own name
  Api,        ///< /api/v1/ws: "execution_update" with data
};

/// One open connection: whose it is and what it asked to hear.
struct Subscriber {
  orch::Tenant tenant; ///< whose events it may hear: its own and its organizations', as for every resource
  MessageShape shape = MessageShape::Executions;
  /// "execution_id" / "workflow_id" / "agent_id" -> ids; empty: every event of the tenant.
  std::map<std::string, std::set<std::string>> filters;
  bool metrics = false; ///< subscribed to metrics_update
};

/// The open connections and who receives an event. Tenancy first: an event
/// reaches a connection only when the connection's user may see what the
/// event is about (its owner, an organization of theirs, or an admin);
/// subscriptions then narrow it.
class Subscribers {
public:
  void add(std::uint64_t connection, Subscriber subscriber);
  void remove(std::uint64_t connection);
  /// Applies a subscribe or unsubscribe message; the filters afterwards, or
  /// a JSON string saying what was wrong with it.
  nlohmann::json change(std::uint64_t connection, const nlohmann::json& message);

  /// The connections an event with these owner fields reaches, with their dialects.
  std::vector<std::pair<std::uint64_t, MessageShape>> recipients(const nlohmann::json& event) const;
  std::vector<std::pair<std::uint64_t, MessageShape>> metricsSubscribers() const;
  std::size_t size() const;

  /// The kinds of ids a subscription can name.
  static const std::vector<std::string>& filterKeys();

private:
  mutable std::mutex mutex_;
  std::map<std::uint64_t, Subscriber> subscribers_;
};

} // namespace realtime
