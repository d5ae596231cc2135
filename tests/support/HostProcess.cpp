#include "HostProcess.h"

#include "Files.h"
#include "HttpClient.h"

#include <gtest/gtest.h>

#include <atomic>
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

  auto env = ChildProcess::cleanEnvironment();
  for (const auto& [name, value] : options_.env) env.push_back(name + "=" + value);
  process_ = ChildProcess(args, env, logFile_);
  if (options_.waitUntilReady) {
    waitUntilListening();
    waitForReady();
  }
}

HostProcess::~HostProcess() {
  process_.stop(SIGKILL, std::chrono::seconds(20));
  if (ownsDataDir_) std::filesystem::remove_all(dataDir_);
}

std::string HostProcess::logs() const { return readFile(logFile_); }

bool HostProcess::waitForLog(const std::string& text, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (logs().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void HostProcess::waitForLogToCatchUp() const {
  static std::atomic<int> counter{0};
  auto marker = "/log-caught-up/" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  HttpClient(port_).get(marker);
  if (!waitForLog(marker)) throw std::runtime_error("the host's log did not show " + marker + ":\n" + logs());
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
    if (process_.exited()) throw std::runtime_error("orchestrator exited before listening:\n" + text);
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
    if (process_.exited()) throw std::runtime_error("orchestrator exited before ready:\n" + logs());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  throw std::runtime_error("orchestrator not ready within 30 s:\n" + logs());
}

int HostProcess::waitForExit(std::chrono::seconds timeout) { return process_.waitForExit(timeout); }

int HostProcess::stop(int signal, std::chrono::seconds timeout) { return process_.stop(signal, timeout); }

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
