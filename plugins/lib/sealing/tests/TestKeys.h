#pragma once

#include "sealing/SecretBox.h"

namespace sealing::test {

/// A box under the key of 32 bytes of `fill`: different fills, different keys.
inline SecretBox keyOf(unsigned char fill) {
  std::array<unsigned char, 32> key;
  key.fill(fill);
  return SecretBox(key);
}

} // namespace sealing::test
