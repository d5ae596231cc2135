#pragma once

#include "ChildProcess.h"
#include "TestCertificate.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace orch::test {

/// A real SMTP server on a free loopback port: npm's smtp-server, run by
/// node from tests/support/smtp (scripts/lib/deps.sh installs it). It offers
/// STARTTLS with its own certificate and, when a user is set, asks for AUTH
/// (only after STARTTLS). Each accepted message is kept, parsed, for the test.
class SmtpServer {
public:
  struct Options {
    bool tls = true;
    std::string user, password;  ///< empty user: no AUTH asked
    std::string rejectRecipient; ///< RCPT TO this address is answered 550
  };

  explicit SmtpServer(Options options);
  SmtpServer() : SmtpServer(Options{}) {}
  ~SmtpServer();
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  int port() const { return port_; }
  /// The certificate the server presents (a client's CA file); empty without TLS.
  std::string certificateFile() const;
  /// Host configuration that sends mail here: smtp.host, port, starttls,
  /// tls.ca_file, and the login when the server asks for one.
  std::string hostConfig() const;
  /// The messages accepted so far, each with envelope_from, envelope_to,
  /// user, secure (TLS was on), from, to, cc, subject, text, html,
  /// content_type and message_id.
  std::vector<nlohmann::json> messages() const;
  /// Waits until at least `count` messages arrived; returns them all.
  std::vector<nlohmann::json> waitForMessages(std::size_t count,
                                              std::chrono::seconds timeout = std::chrono::seconds(20)) const;

private:
  Options options_;
  std::unique_ptr<TestCertificate> certificate_;
  std::string dir_, messagesFile_, logFile_;
  ChildProcess process_;
  int port_ = 0;
};

} // namespace orch::test
