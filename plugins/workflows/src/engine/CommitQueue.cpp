#include "engine/CommitQueue.h"

#include <future>

#include <pthread.h>

namespace workflows {

CommitQueue::CommitQueue(const orch::Database& db, std::size_t maxBatch)
    : db_(db), maxBatch_(maxBatch), writer_([this] { loop(); }) {}

CommitQueue::~CommitQueue() { stop(); }

void CommitQueue::post(Work work, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back({std::move(work), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  if (done) done(std::make_exception_ptr(std::runtime_error("the workflow engine is shutting down")));
}

void CommitQueue::run(Work work) {
  auto finished = std::make_shared<std::promise<void>>();
  auto result = finished->get_future();
  post(std::move(work), [finished](std::exception_ptr error) {
    if (error) finished->set_exception(error);
    else finished->set_value();
  });
  result.get();
}

void CommitQueue::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (writer_.joinable()) writer_.join();
}

void CommitQueue::loop() {
  pthread_setname_np(pthread_self(), "wf-writer"); // for top -H and perf
  while (true) {
    std::deque<Piece> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return; // stopping, and everything queued is committed
      while (!queue_.empty() && batch.size() < maxBatch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commit(batch);
  }
}

void CommitQueue::commit(std::deque<Piece>& batch) {
  std::vector<std::exception_ptr> outcomes(batch.size());
  try {
    db_.transaction([&](orch::Transaction& tx) {
      ++transactionNumber_;
      for (std::size_t i = 0; i < batch.size(); ++i) batch[i].work(tx);
    });
  } catch (...) {
    // Replay alone, so only the piece that fails learns of it.
    for (std::size_t i = 0; i < batch.size(); ++i) {
      try {
        db_.transaction([&](orch::Transaction& tx) {
          ++transactionNumber_;
          batch[i].work(tx);
        });
      } catch (...) {
        outcomes[i] = std::current_exception();
      }
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].done) continue;
    try {
      batch[i].done(outcomes[i]);
    } catch (...) {
      // A continuation's failure is its own; the writer carries on.
    }
  }
}

} // namespace workflows
