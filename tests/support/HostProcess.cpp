#include "HostProcess.h"

#include "HttpClient.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace orch::test {
namespace {

std::string makeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "orch-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

} // namespace

HostProcess::HostProcess(Options options) : options_(std::move(options)) {
  dataDir_ = options_.dataDir;
  if (dataDir_.empty()) {
    dataDir_ = makeTempDir();
    ownsDataDir_ = true;
  }
  std::filesystem::create_directories(dataDir_);
  logFile_ = dataDir_ + "/host-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()) + ".log";

  std::vector<std::string> args = {ORCH_BINARY_DIR "/bin/orchestrator", "--port", "0", "--data-dir", dataDir_,
                                   "--plugins-dir", options_.pluginsDir};
  if (!options_.config.empty()) {
    auto configFile = dataDir_ + "/test.properties";
    std::ofstream(configFile) << options_.config;
    args.insert(args.end(), {"--config", configFile});
  }
  args.insert(args.end(), options_.args.begin(), options_.args.end());

  std::vector<std::string> env;
  for (char** entry = environ; *entry; ++entry) {
    std::string item(*entry);
    if (item.rfind("ORCH_", 0) != 0) env.push_back(item); // a test's environment is its own
  }
  for (const auto& [name, value] : options_.env) env.push_back(name + "=" + value);

  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = ::open(logFile_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  if (options_.waitUntilReady) {
    waitUntilListening();
    waitForReady();
  }
}

HostProcess::~HostProcess() {
  if (pid_ > 0) stop(SIGKILL);
  if (ownsDataDir_) std::filesystem::remove_all(dataDir_);
}

std::string HostProcess::logs() const {
  std::ifstream in(logFile_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void HostProcess::waitUntilListening() {
  static const std::regex listening(R"(listening on [^:\s]+:(\d+))");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch match;
    auto text = logs();
    if (std::regex_search(text, match, listening)) {
      port_ = std::stoi(match[1]);
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("orchestrator exited before listening:\n" + text);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  throw std::runtime_error("orchestrator did not listen within 30 s:\n" + logs());
}

void HostProcess::waitForReady() {
  HttpClient client(port_);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (client.get("/ready").status == 200) return;
    } catch (const std::exception&) {
      client = HttpClient(port_);
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("orchestrator exited before ready:\n" + logs());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  throw std::runtime_error("orchestrator not ready within 30 s:\n" + logs());
}

int HostProcess::waitForExit(std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pid_ > 0) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

int HostProcess::stop(int signal, std::chrono::seconds timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  auto code = waitForExit(timeout);
  if (code == -1 && pid_ > 0) {
    kill(pid_, SIGKILL);
    code = waitForExit(std::chrono::seconds(5));
  }
  return code;
}

std::string linkedPluginFolder(const std::string& tag, const std::vector<std::string>& pluginFiles) {
  auto dir = std::filesystem::temp_directory_path() / ("orch-" + tag + "-plugins-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const auto& source : pluginFiles) {
    auto target = dir / std::filesystem::path(source).filename();
    std::error_code ignored;
    std::filesystem::remove(target, ignored);
    std::filesystem::create_symlink(source, target);
  }
  return dir.string();
}

} // namespace orch::test
