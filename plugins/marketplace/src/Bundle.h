#pragma once

#include <sealing/KeyFile.h>

#include <nlohmann/json.hpp>

#include <array>
#include <map>
#include <set>
#include <string>

namespace marketplace {

using json = nlohmann::json;

/// The Ed25519 key a host signs its bundles with.
class SigningKey {
public:
  /// The key pair of a 32-byte seed (kept in <data_dir>/marketplace/signing.key).
  explicit SigningKey(const sealing::Key32& seed);
  /// The public half as base64: what another host's operator trusts.
  const std::string& publicKey() const { return publicText_; }
  /// A detached signature of `message`, as base64.
  std::string sign(const std::string& message) const;

private:
  std::array<unsigned char, 64> secret_{};
  std::string publicText_;
};

/// "sha256:<hex>" of the bundle's canonical text (its JSON with sorted keys
/// and no spaces, whatever layout the file on disk has).
std::string digestOf(const json& bundle);

/// The envelope that travels: {format, bundle, digest, signature, public_key}.
json sign(const json& bundle, const SigningKey& key);

/// The bundle inside `envelope` once its digest matches, its key is one of
/// `trusted` and its signature verifies; otherwise a 422 on "bundle" whose
/// issue says which of these failed.
json verify(const json& envelope, const std::set<std::string>& trusted);

/// The step types a graph ({nodes: [{type, data|config}]}) runs, a tool
/// loop's tools included.
std::set<std::string> stepTypesOf(const json& graph);

/// Every credential a definition (any framework's JSON) or graph names: the
/// values of its "credential_id" and "credential_name" keys, at any depth.
struct CredentialRefs {
  std::set<std::string> ids, names;
};
CredentialRefs credentialsOf(const json& definition);

/// `definition` with each "credential_id": id replaced by "credential_name":
/// `names`[id], so a copy looks its credentials up by name in its own tenant.
json byCredentialName(json definition, const std::map<std::string, std::string>& names);

} // namespace marketplace
