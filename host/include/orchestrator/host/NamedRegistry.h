#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

namespace orch::host {

/// Things plugins register under a unique name (step types, framework
/// adapters, services), each remembering which plugin owns it. Reads take a
/// shared lock, so lookups from many threads do not contend.
template <typename Entry>
class NamedRegistry {
public:
  /// False when the name is taken (by anyone).
  bool add(const std::string& name, const std::string& owner, Entry entry) {
    std::unique_lock lock(mutex_);
    return entries_.try_emplace(name, Owned{owner, std::move(entry)}).second;
  }
  bool contains(const std::string& name) const {
    std::shared_lock lock(mutex_);
    return entries_.count(name) > 0;
  }
  std::optional<Entry> find(const std::string& name) const {
    std::shared_lock lock(mutex_);
    auto it = entries_.find(name);
    if (it == entries_.end()) return std::nullopt;
    return it->second.entry;
  }
  /// Names registered by `owner`, sorted.
  std::vector<std::string> namesOf(const std::string& owner) const {
    std::shared_lock lock(mutex_);
    std::vector<std::string> names;
    for (const auto& [name, owned] : entries_)
      if (owned.owner == owner) names.push_back(name);
    return names;
  }
  std::vector<std::string> names() const {
    std::shared_lock lock(mutex_);
    std::vector<std::string> names;
    for (const auto& [name, owned] : entries_) names.push_back(name);
    return names;
  }
  /// Drops everything `owner` registered (a refused or unloaded plugin).
  void removeOwner(const std::string& owner) {
    std::unique_lock lock(mutex_);
    std::erase_if(entries_, [&](const auto& item) { return item.second.owner == owner; });
  }

private:
  struct Owned {
    std::string owner;
    Entry entry;
  };
  mutable std::shared_mutex mutex_;
  std::map<std::string, Owned> entries_;
};

} // namespace orch::host
