// The bundle's signing and checks without a host: what a tampered file, a
// stranger's key or a forged signature gets, and what a bundle says it needs.
#include "Bundle.h"

#include <orchestrator/http.hpp>

#include <gtest/gtest.h>

namespace {

using marketplace::json;

sealing::Key32 seed(unsigned char fill) {
  sealing::Key32 key{};
  key.fill(fill);
  return key;
}

json sampleBundle() {
  return {{"agent", {{"name", "Support bot"}, {"framework", "native"}, {"definition", {{"nodes", json::array()}}}}},
          {"workflows", json::array()},
          {"requires", {{"step_types", json::array()}, {"credentials", json::array()}}}};
}

/// The issue of the 422 that verify() answers, or "" when it accepts.
std::string refusal(const json& envelope, const std::set<std::string>& trusted) {
  try {
    marketplace::verify(envelope, trusted);
    return "";
  } catch (const orch::HttpError& e) {
    EXPECT_EQ(e.status(), 422);
    EXPECT_EQ(e.details()["field"], "bundle");
    return e.details().value("issue", std::string());
  }
}

TEST(Bundle, ASignedBundleVerifiesWithItsTrustedKeyWhateverItsLayout) {
  marketplace::SigningKey key(seed(7));
  auto envelope = marketplace::sign(sampleBundle(), key);
  EXPECT_EQ(envelope["digest"].get<std::string>().rfind("sha256:", 0), 0u);
  EXPECT_EQ(envelope["digest"].get<std::string>().size(), 7u + 64u);
  // Written pretty-printed to a file and read back: the same content, still valid.
  auto reread = json::parse(envelope.dump(2));
  EXPECT_EQ(marketplace::verify(reread, {key.publicKey()}), sampleBundle());
}

TEST(Bundle, OneChangedByteIsRefusedAsChangedAfterSigning) {
  marketplace::SigningKey key(seed(7));
  auto text = marketplace::sign(sampleBundle(), key).dump();
  auto at = text.find("Support bot");
  ASSERT_NE(at, std::string::npos);
  text[at] = 's';
  EXPECT_EQ(refusal(json::parse(text), {key.publicKey()}),
            "The bundle's content does not match its digest: it was changed after it was signed");
}

TEST(Bundle, AKeyTheHostDoesNotTrustIsRefusedAndNamed) {
  marketplace::SigningKey key(seed(7)), other(seed(9));
  auto envelope = marketplace::sign(sampleBundle(), key);
  EXPECT_EQ(refusal(envelope, {other.publicKey()}),
            "The bundle is signed by key " + key.publicKey() + ", which this host does not trust (marketplace.trusted_keys)");
}

TEST(Bundle, AChangedBundleWithANewDigestButTheOldSignatureDoesNotVerify) {
  marketplace::SigningKey key(seed(7));
  auto envelope = marketplace::sign(sampleBundle(), key);
  envelope["bundle"]["agent"]["name"] = "Forged";
  envelope["digest"] = marketplace::digestOf(envelope["bundle"]);
  EXPECT_EQ(refusal(envelope, {key.publicKey()}), "The bundle's signature does not verify with key " + key.publicKey());
  // Signed by a stranger who claims the trusted key.
  marketplace::SigningKey stranger(seed(3));
  envelope["signature"] = stranger.sign(envelope["digest"].get<std::string>());
  EXPECT_EQ(refusal(envelope, {key.publicKey()}), "The bundle's signature does not verify with key " + key.publicKey());
}

TEST(Bundle, MalformedEnvelopesAreRefusedWithWhatIsMissing) {
  marketplace::SigningKey key(seed(7));
  EXPECT_NE(refusal(json::array(), {key.publicKey()}), "");
  auto envelope = marketplace::sign(sampleBundle(), key);
  for (const char* field : {"format", "digest", "signature", "public_key"}) {
    auto broken = envelope;
    broken.erase(field);
    EXPECT_EQ(refusal(broken, {key.publicKey()}), std::string("The bundle has no \"") + field + "\"");
  }
  auto wrongFormat = envelope;
  wrongFormat["format"] = "zip";
  EXPECT_EQ(refusal(wrongFormat, {key.publicKey()}), "Unknown bundle format 'zip'; this host reads orchestrator.agent-bundle/1");
  auto notBase64 = envelope;
  notBase64["signature"] = "***";
  EXPECT_EQ(refusal(notBase64, {key.publicKey()}), "The bundle's signature or key is not base64");
}

TEST(Bundle, StepTypesIncludeAToolLoopsTools) {
  json graph = {{"nodes", {{{"id", "a"}, {"type", "start"}},
                           {{"id", "b"}, {"type", "tool_loop"}, {"data", {{"tools", {"api_call", {{"type", "greet"}}}}}}}}}};
  EXPECT_EQ(marketplace::stepTypesOf(graph), (std::set<std::string>{"start", "tool_loop", "api_call", "greet"}));
  EXPECT_TRUE(marketplace::stepTypesOf(json::array()).empty());
}

TEST(Bundle, CredentialIdsBecomeNamesAtAnyDepth) {
  json definition = {{"nodes", {{{"data", {{"credential_id", "c-1"}, {"x", 1}}}},
                                {{"data", {{"tools", {{{"config", {{"credential_id", "c-1"}}}}}}}}},
                                {{"data", {{"credential_name", "smtp-login"}}}}}}};
  auto refs = marketplace::credentialsOf(definition);
  EXPECT_EQ(refs.ids, (std::set<std::string>{"c-1"}));
  EXPECT_EQ(refs.names, (std::set<std::string>{"smtp-login"}));
  auto named = marketplace::byCredentialName(definition, {{"c-1", "crm-key"}});
  EXPECT_EQ(named.dump().find("c-1"), std::string::npos);
  auto after = marketplace::credentialsOf(named);
  EXPECT_TRUE(after.ids.empty());
  EXPECT_EQ(after.names, (std::set<std::string>{"crm-key", "smtp-login"}));
}

} // namespace
