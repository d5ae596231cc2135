#include "ChildProcess.h"

#include <csignal>
#include <fcntl.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace orch::test {

ChildProcess::ChildProcess(const std::vector<std::string>& args, const std::vector<std::string>& environment,
                           const std::string& logFile) {
  // Built before fork: the child may only call async-signal-safe functions.
  std::vector<std::string> argStore(args), envStore(environment);
  std::vector<char*> argv, envp;
  for (auto& a : argStore) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : envStore) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = ::open(logFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) stop(SIGKILL, std::chrono::seconds(5));
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept : pid_(other.pid_), status_(other.status_) { other.pid_ = -1; }

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0) stop(SIGKILL, std::chrono::seconds(5));
    pid_ = other.pid_;
    status_ = other.status_;
    other.pid_ = -1;
  }
  return *this;
}

std::vector<std::string> ChildProcess::cleanEnvironment() {
  std::vector<std::string> env;
  for (char** entry = environ; *entry; ++entry) {
    std::string item(*entry);
    if (item.rfind("ORCH_", 0) != 0) env.push_back(item);
  }
  return env;
}

bool ChildProcess::exited() {
  if (pid_ <= 0) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
  status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  pid_ = -1;
  return true;
}

int ChildProcess::waitForExit(std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exited()) {
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

int ChildProcess::stop(int signal, std::chrono::seconds timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  auto code = waitForExit(timeout);
  if (code == -1 && pid_ > 0) {
    kill(pid_, SIGKILL);
    code = waitForExit(std::chrono::seconds(5));
  }
  return code;
}

} // namespace orch::test
