#include "TestCertificate.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace orch::test {

TestCertificate::TestCertificate() {
  std::string pattern = (std::filesystem::temp_directory_path() / "orch-cert-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  certificateFile_ = dir_ + "/cert.pem";
  privateKeyFile_ = dir_ + "/key.pem";
  auto command = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
                 " -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
                 privateKeyFile_ + " -out " + certificateFile_ + " 2>/dev/null";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("openssl could not make a certificate");
}

TestCertificate::~TestCertificate() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

} // namespace orch::test
