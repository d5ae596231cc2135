#pragma once

#include <string>

namespace orch::test {

/// A self-signed certificate for 127.0.0.1 and localhost, made by the openssl
/// tool in a temporary folder that goes away with the object. A client that
/// trusts certificateFile (as its CA file) talks TLS to a server using both.
class TestCertificate {
public:
  TestCertificate();
  ~TestCertificate();
  TestCertificate(const TestCertificate&) = delete;
  TestCertificate& operator=(const TestCertificate&) = delete;

  const std::string& certificateFile() const { return certificateFile_; }
  const std::string& privateKeyFile() const { return privateKeyFile_; }

private:
  std::string dir_, certificateFile_, privateKeyFile_;
};

} // namespace orch::test
