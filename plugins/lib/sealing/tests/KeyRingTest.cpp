#include "sealing/KeyRing.h"
#include "TestKeys.h"

#include <gtest/gtest.h>

namespace {

using sealing::KeyRing;
using sealing::SecretBox;
using sealing::test::keyOf;

TEST(KeyRing, SealsUnderTheCurrentKeyAndOpensUnderAPreviousOne) {
  auto before = keyOf(1).seal("row-1", "kept across the rotation");
  KeyRing ring(keyOf(2), {keyOf(1)});
  EXPECT_EQ(ring.keyId(), keyOf(2).keyId());
  EXPECT_EQ(ring.open("row-1", before, keyOf(1).keyId()), "kept across the rotation");
  auto now = ring.seal("row-1", "new");
  EXPECT_EQ(keyOf(2).open("row-1", now), "new") << "sealed under the current key, not an old one";
  EXPECT_THROW(keyOf(1).open("row-1", now), std::runtime_error);
  EXPECT_TRUE(ring.knows(keyOf(1).keyId()));
  EXPECT_FALSE(ring.knows(keyOf(3).keyId()));
}

TEST(KeyRing, NamesAKeyItDoesNotHave) {
  KeyRing ring(keyOf(2));
  auto sealed = keyOf(3).seal("row-1", "secret");
  try {
    ring.open("row-1", sealed, keyOf(3).keyId());
    FAIL() << "opened under a key the ring does not have";
  } catch (const std::runtime_error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find(keyOf(3).keyId()), std::string::npos) << message;
    EXPECT_NE(message.find("secrets.previous_keys"), std::string::npos) << message;
  }
  // A fingerprint that names a key of the ring does not make a forged text open.
  EXPECT_THROW(ring.open("row-1", sealed, keyOf(2).keyId()), std::runtime_error);
}

} // namespace
