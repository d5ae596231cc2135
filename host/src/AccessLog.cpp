#include "orchestrator/host/AccessLog.h"

#include "orchestrator/host/ErrorEnvelope.h"

#include <orchestrator/time.hpp>

#include <unistd.h>

namespace orch::host {
namespace {

constexpr std::size_t kFlushBytes = 64 * 1024;

void writeAll(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    auto written = ::write(fd, text.data() + done, text.size() - done);
    if (written <= 0) return; // a closed log must not stop the server
    done += static_cast<std::size_t>(written);
  }
}

} // namespace

AccessLog::AccessLog(int fd) : fd_(fd), writer_([this] { run(); }) {}

AccessLog::~AccessLog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
}

void AccessLog::write(std::string_view line) {
  auto stamp = orch::rfc3339Millis(orch::nowMs());
  bool full;
  {
    std::lock_guard lock(mutex_);
    buffer_.append(stamp).append(" access: ").append(line).push_back('\n');
    full = buffer_.size() >= kFlushBytes;
  }
  if (full) wake_.notify_one();
}

void AccessLog::flush() {
  std::string pending;
  {
    std::lock_guard lock(mutex_);
    pending.swap(buffer_);
  }
  writeAll(fd_, pending);
}

void AccessLog::run() {
  std::string pending;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(100),
                   [&] { return stopping_ || buffer_.size() >= kFlushBytes; });
    pending.swap(buffer_);
    lock.unlock();
    writeAll(fd_, pending);
    pending.clear();
    lock.lock();
  }
  pending.swap(buffer_);
  lock.unlock();
  writeAll(fd_, pending);
}

} // namespace orch::host
