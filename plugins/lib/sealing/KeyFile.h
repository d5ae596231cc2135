#pragma once

#include <array>
#include <string>
#include <vector>

namespace sealing {

/// 32 secret bytes: a secretbox key, an Ed25519 seed.
using Key32 = std::array<unsigned char, 32>;

/// Initializes libsodium (once; safe from any thread); throws if it cannot.
void initializeSodium();

std::string toBase64(const unsigned char* bytes, std::size_t size);
/// Throws std::invalid_argument("not base64").
std::vector<unsigned char> fromBase64(const std::string& text);

/// 32 bytes from base64 (44 characters) or 64 hex digits; throws
/// std::invalid_argument starting with `what` ("a secrets key").
Key32 keyFromText(const std::string& text, const std::string& what);
/// The 32 bytes kept in `path`, made (random, mode 0600) when the file does
/// not exist; `created` says which. Two hosts starting on one data directory
/// end with the same key.
Key32 keyFromFile(const std::string& path, bool& created, const std::string& what);

} // namespace sealing
