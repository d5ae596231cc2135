#include "Bundle.h"

#include <orchestrator/http.hpp>

#include <sodium.h>

#include <functional>

namespace marketplace {
namespace {

[[noreturn]] void refuse(const std::string& issue) { throw orch::HttpError::validation("bundle", issue); }

std::string text(const json& envelope, const char* field) {
  if (!envelope.contains(field) || !envelope[field].is_string()) refuse(std::string("The bundle has no \"") + field + "\"");
  return envelope[field].get<std::string>();
}

/// Visits every object in `value`, depth first.
void eachObject(const json& value, const std::function<void(const json&)>& visit) {
  if (value.is_object()) visit(value);
  if (value.is_structured())
    for (const auto& item : value) eachObject(item, visit);
}

} // namespace

SigningKey::SigningKey(const sealing::Key32& seed) {
  sealing::initializeSodium();
  std::array<unsigned char, 32> publicKey{};
  crypto_sign_seed_keypair(publicKey.data(), secret_.data(), seed.data());
  publicText_ = sealing::toBase64(publicKey.data(), publicKey.size());
}

std::string SigningKey::sign(const std::string& message) const {
  std::array<unsigned char, crypto_sign_BYTES> signature{};
  crypto_sign_detached(signature.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_.data());
  return sealing::toBase64(signature.data(), signature.size());
}

std::string digestOf(const json& bundle) {
  auto canonical = bundle.dump();
  std::array<unsigned char, crypto_hash_sha256_BYTES> hash{};
  crypto_hash_sha256(hash.data(), reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), hash.data(), hash.size());
  return std::string("sha256:") + hex.data();
}

json sign(const json& bundle, const SigningKey& key) {
  auto digest = digestOf(bundle);
  return {{"format", "orchestrator.agent-bundle/1"},
          {"bundle", bundle},
          {"digest", digest},
          {"signature", key.sign(digest)},
          {"public_key", key.publicKey()}};
}

json verify(const json& envelope, const std::set<std::string>& trusted) {
  sealing::initializeSodium();
  if (!envelope.is_object()) refuse("A bundle is a JSON object {format, bundle, digest, signature, public_key}");
  if (text(envelope, "format") != "orchestrator.agent-bundle/1")
    refuse("Unknown bundle format '" + envelope["format"].get<std::string>() + "'; this host reads orchestrator.agent-bundle/1");
  if (!envelope.contains("bundle") || !envelope["bundle"].is_object()) refuse("The bundle has no \"bundle\" object");
  auto digest = text(envelope, "digest");
  if (digestOf(envelope["bundle"]) != digest)
    refuse("The bundle's content does not match its digest: it was changed after it was signed");
  auto key = text(envelope, "public_key");
  if (!trusted.count(key))
    refuse("The bundle is signed by key " + key + ", which this host does not trust (marketplace.trusted_keys)");
  std::vector<unsigned char> publicKey, signature;
  try {
    publicKey = sealing::fromBase64(key);
    signature = sealing::fromBase64(text(envelope, "signature"));
  } catch (const std::invalid_argument&) {
    refuse("The bundle's signature or key is not base64");
  }
  if (publicKey.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES ||
      crypto_sign_verify_detached(signature.data(), reinterpret_cast<const unsigned char*>(digest.data()), digest.size(),
                                  publicKey.data()) != 0)
    refuse("The bundle's signature does not verify with key " + key);
  return envelope["bundle"];
}

std::set<std::string> stepTypesOf(const json& graph) {
  std::set<std::string> types;
  if (!graph.is_object() || !graph.contains("nodes") || !graph["nodes"].is_array()) return types;
  for (const auto& node : graph["nodes"]) {
    if (!node.is_object()) continue;
    if (node.contains("type") && node["type"].is_string()) types.insert(node["type"].get<std::string>());
    for (const char* config : {"data", "config"}) {
      if (!node.contains(config) || !node[config].is_object() || !node[config].contains("tools")) continue;
      for (const auto& tool : node[config]["tools"]) {
        if (tool.is_string()) types.insert(tool.get<std::string>());
        else if (tool.is_object() && tool.contains("type") && tool["type"].is_string()) types.insert(tool["type"].get<std::string>());
      }
    }
  }
  return types;
}

CredentialRefs credentialsOf(const json& definition) {
  CredentialRefs refs;
  eachObject(definition, [&](const json& object) {
    for (const auto& [key, set] : {std::pair{"credential_id", &refs.ids}, std::pair{"credential_name", &refs.names}})
      if (object.contains(key) && object[key].is_string()) set->insert(object[key].get<std::string>());
  });
  return refs;
}

json byCredentialName(json definition, const std::map<std::string, std::string>& names) {
  if (definition.is_object() && definition.contains("credential_id") && definition["credential_id"].is_string()) {
    auto found = names.find(definition["credential_id"].get<std::string>());
    if (found != names.end()) {
      definition.erase("credential_id");
      definition["credential_name"] = found->second;
    }
  }
  if (definition.is_structured())
    for (auto& item : definition) item = byCredentialName(std::move(item), names);
  return definition;
}

} // namespace marketplace
