#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace orch::host {

/// One line per request, written in batches: request threads only append to a
/// buffer; a background thread writes it out with one write(2) every 100 ms
/// (or sooner when it grows), so logging costs a request a few hundred ns.
class AccessLog {
public:
  /// Writes to `fd` (standard output by default); never closes it.
  explicit AccessLog(int fd = 1);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  /// Appends "<timestamp> access: <line>\n".
  void write(std::string_view line);
  /// Writes out everything appended so far.
  void flush();

private:
  void run();

  int fd_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string buffer_;
  bool stopping_ = false;
  std::thread writer_;
};

} // namespace orch::host
