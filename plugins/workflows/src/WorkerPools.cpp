#include "WorkerPools.h"

#include <orchestrator/ids.hpp>
#include <orchestrator/time.hpp>

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

namespace workflows {

std::string WorkerPools::hash(const std::string& token) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(token);
  return Poco::DigestEngine::digestToHex(engine.digest());
}

void WorkerPools::load() {
  std::lock_guard lock(mutex_);
  for (const auto& row : db_.query("SELECT agent_id, token_hash FROM wf_worker_pools WHERE host_id = ?", {hostId_})) {
    auto agent = row["agent_id"].get<std::string>();
    byHash_[row["token_hash"].get<std::string>()] = agent;
    remote_.open(agent);
  }
}

std::string WorkerPools::attach(const std::string& agentId) {
  // 244 random bits (two v4 UUIDs from the system's random source).
  auto token = "wrk_" + orch::newId() + orch::newId();
  std::erase(token, '-');
  auto hashed = hash(token);
  std::lock_guard lock(mutex_); // two attaches of one agent: the table and the map agree on the last
  db_.execute("DELETE FROM wf_worker_pools WHERE agent_id = ?", {agentId});
  db_.execute("INSERT INTO wf_worker_pools (agent_id, host_id, token_hash, created_at) VALUES (?, ?, ?, ?)",
              {agentId, hostId_, hashed, orch::nowRfc3339()});
  std::erase_if(byHash_, [&](const auto& entry) { return entry.second == agentId; });
  byHash_[hashed] = agentId;
  remote_.open(agentId);
  return token;
}

void WorkerPools::detach(const std::string& agentId) {
  db_.execute("DELETE FROM wf_worker_pools WHERE agent_id = ?", {agentId});
  {
    std::lock_guard lock(mutex_);
    std::erase_if(byHash_, [&](const auto& entry) { return entry.second == agentId; });
  }
  remote_.close(agentId);
}

std::optional<std::string> WorkerPools::poolOf(const std::string& token) const {
  auto hashed = hash(token);
  std::lock_guard lock(mutex_);
  auto found = byHash_.find(hashed);
  if (found == byHash_.end()) return std::nullopt;
  return found->second;
}

} // namespace workflows
