#pragma once

#include <orchestrator/plugin.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace workflows {

/// Every write of the engine goes through one thread that commits many
/// callers' work in one transaction (group commit). On SQLite this is what
/// makes thousands of executions per second possible: one writer never waits
/// on the file lock, and a commit is paid once per batch, not once per step.
/// A batch that fails is replayed one piece of work per transaction, so one
/// bad piece cannot take the others down.
class CommitQueue {
public:
  /// Runs inside the batch's transaction; may throw to fail its own piece.
  using Work = std::function<void(orch::Transaction&)>;
  /// Called on the writer thread after the commit (null) or the failure.
  using Done = std::function<void(std::exception_ptr)>;

  CommitQueue(const orch::Database& db, std::size_t maxBatch);
  ~CommitQueue();

  /// Queues `work`; `done` learns how it ended. Keep `done` short: it runs on the writer.
  void post(Work work, Done done = {});
  /// Queues `work` and waits for its commit; rethrows its failure.
  void run(Work work);
  /// Commits what is queued, then stops the writer. Later posts fail at once.
  void stop();
  /// Which transaction the writer is in (a new number for each, replays
  /// included): lets work skip what an earlier piece of the same
  /// transaction already did. Read it on the writer thread only.
  std::uint64_t transactionNumber() const { return transactionNumber_; }

private:
  struct Piece {
    Work work;
    Done done;
  };
  void loop();
  void commit(std::deque<Piece>& batch);

  const orch::Database& db_;
  const std::size_t maxBatch_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Piece> queue_;
  bool stopping_ = false;
  std::uint64_t transactionNumber_ = 0;
  std::thread writer_;
};

} // namespace workflows
