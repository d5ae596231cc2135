#include "SmtpServer.h"

#include "Files.h"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace orch::test {

SmtpServer::SmtpServer(Options options) : options_(std::move(options)) {
  std::string pattern = (std::filesystem::temp_directory_path() / "orch-smtp-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  messagesFile_ = dir_ + "/messages.jsonl";
  logFile_ = dir_ + "/server.log";
  std::ofstream(messagesFile_).flush();

  std::string script = ORCH_SOURCE_DIR "/tests/support/smtp/smtp_server.js";
  if (!std::filesystem::exists(ORCH_SOURCE_DIR "/tests/support/smtp/node_modules/smtp-server"))
    throw std::runtime_error("tests/support/smtp/node_modules is missing: run scripts/lib/deps.sh (npm ci there)");
  std::vector<std::string> args = {"/usr/bin/node", script, "--messages", messagesFile_};
  if (options_.tls) {
    certificate_ = std::make_unique<TestCertificate>();
    args.insert(args.end(), {"--cert", certificate_->certificateFile(), "--key", certificate_->privateKeyFile()});
  }
  if (!options_.user.empty()) args.insert(args.end(), {"--user", options_.user, "--password", options_.password});
  if (!options_.rejectRecipient.empty()) args.insert(args.end(), {"--reject-recipient", options_.rejectRecipient});
  process_ = ChildProcess(args, ChildProcess::cleanEnvironment(), logFile_);

  // The script prints {"port":N} once it listens.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    auto text = readFile(logFile_);
    auto brace = text.find("{\"port\":");
    if (brace != std::string::npos && text.find('\n', brace) != std::string::npos) {
      port_ = nlohmann::json::parse(text.substr(brace, text.find('\n', brace) - brace))["port"].get<int>();
      return;
    }
    if (process_.exited()) throw std::runtime_error("the SMTP server exited before listening:\n" + text);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("the SMTP server did not listen within 30 s:\n" + readFile(logFile_));
}

SmtpServer::~SmtpServer() {
  process_.stop(SIGTERM, std::chrono::seconds(5));
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string SmtpServer::certificateFile() const { return certificate_ ? certificate_->certificateFile() : ""; }

std::string SmtpServer::hostConfig() const {
  std::string config = "smtp.host = 127.0.0.1\nsmtp.port = " + std::to_string(port_) + "\n";
  if (options_.tls) config += "smtp.starttls = true\nsmtp.tls.ca_file = " + certificateFile() + "\n";
  if (!options_.user.empty()) config += "smtp.username = " + options_.user + "\nsmtp.password = " + options_.password + "\n";
  return config;
}

std::vector<nlohmann::json> SmtpServer::messages() const {
  std::vector<nlohmann::json> list;
  // A line still being written (no newline yet) is left for the next call.
  auto text = readFile(messagesFile_);
  std::istringstream lines(text.substr(0, text.rfind('\n') + 1));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) list.push_back(nlohmann::json::parse(line));
  return list;
}

std::vector<nlohmann::json> SmtpServer::waitForMessages(std::size_t count, std::chrono::seconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto list = messages();
  while (list.size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    list = messages();
  }
  return list;
}

} // namespace orch::test
