// Providers over HTTPS: the certificate is verified (system CAs plus
// ai.tls.ca_file), so an API key never goes to a server that cannot prove
// who it is.
#include "FakeLlmServer.h"
#include "HostProcess.h"
#include "HttpClient.h"
#include "TestCertificate.h"

#include <gtest/gtest.h>


namespace {

using orch::test::FakeLlmServer;
using orch::test::HostProcess;
using orch::test::HttpClient;

class AiOverTls : public ::testing::Test {
protected:
  void SetUp() override {
    plugins_ = orch::test::linkedPluginFolder("ai-tls", {ORCH_PLUGIN_DIR "/ai.so", ORCH_FIXTURE_PLUGIN_DIR "/test_kit.so"});
    provider_ = std::make_unique<FakeLlmServer>(
        FakeLlmServer::Tls{certificate_.certificateFile(), certificate_.privateKeyFile()});
  }

  orch::test::HttpResult callThroughHost(const std::string& extraConfig) {
    HostProcess host({.pluginsDir = plugins_,
                      .config = "ai.providers = openai\n"
                                "ai.providers.openai.base_url = " + provider_->baseUrl() + "/v1\n"
                                "ai.providers.openai.api_key = sk-tls\n" + extraConfig});
    return HttpClient(host.port()).post("/api/v1/ai/route", {{"prompt", "Hi"}, {"model", "gpt-4o-mini"}},
                                        orch::test::testToken("u1", "ai:route"));
  }

  orch::test::TestCertificate certificate_;
  std::string plugins_;
  std::unique_ptr<FakeLlmServer> provider_;
};

TEST_F(AiOverTls, ATrustedCertificateCarriesTheCall) {
  ASSERT_EQ(provider_->baseUrl().substr(0, 8), "https://");
  auto answer = callThroughHost("ai.tls.ca_file = " + certificate_.certificateFile() + "\n");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.json()["response"], "Hello from the fake model");
  ASSERT_EQ(provider_->requestCount(), 1u);
  EXPECT_EQ(provider_->received()[0].headers["authorization"], "Bearer sk-tls");
}

TEST_F(AiOverTls, AnUntrustedCertificateIsRefusedBeforeTheKeyIsSent) {
  auto answer = callThroughHost("");
  ASSERT_EQ(answer.status, 502) << answer.body;
  auto attempt = answer.json()["error"]["details"]["attempts"][0];
  EXPECT_EQ(attempt["error"], "connection_failed") << answer.body;
  EXPECT_EQ(provider_->requestCount(), 0u);
}

} // namespace
