#include "sealing/SecretBox.h"
#include "TestKeys.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace {

using sealing::SecretBox;
using sealing::test::keyOf;

TEST(SecretBox, OpensWhatItSealedAndHidesThePlaintext) {
  auto box = keyOf(7);
  auto sealed = box.seal("cred-1", R"({"password":"hunter2-very-secret"})");
  EXPECT_EQ(sealed.find("hunter2"), std::string::npos);
  EXPECT_EQ(box.open("cred-1", sealed), R"({"password":"hunter2-very-secret"})");
  // A fresh nonce each time: the same secret never seals to the same text.
  EXPECT_NE(box.seal("cred-1", "same"), box.seal("cred-1", "same"));
}

TEST(SecretBox, RefusesAnotherKeyAnotherIdAndTampering) {
  auto sealed = keyOf(7).seal("cred-1", "secret");
  EXPECT_THROW(keyOf(8).open("cred-1", sealed), std::runtime_error);
  EXPECT_THROW(keyOf(7).open("cred-2", sealed), std::runtime_error);
  auto tampered = sealed;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_THROW(keyOf(7).open("cred-1", tampered), std::runtime_error);
  EXPECT_THROW(keyOf(7).open("cred-1", "not base64 at all!"), std::runtime_error);
  EXPECT_NE(keyOf(7).keyId(), keyOf(8).keyId());
}

TEST(SecretBox, ReadsBase64AndHexKeysAndRefusesOthers) {
  auto hex = std::string(64, 'a');
  auto base64 = std::string("qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo=");
  EXPECT_EQ(SecretBox::fromText(hex).keyId(), SecretBox::fromText(base64).keyId()); // both 32 bytes of 0xaa
  EXPECT_THROW(SecretBox::fromText("short"), std::invalid_argument);
  EXPECT_THROW(SecretBox::fromText(std::string(63, 'a')), std::invalid_argument);
}

TEST(SecretBox, MakesAPrivateKeyFileOnceAndReadsItAfter) {
  auto dir = std::filesystem::temp_directory_path() / ("secretbox-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / "secrets.key").string();
  bool created = false;
  auto first = SecretBox::fromFile(path, created);
  EXPECT_TRUE(created);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  auto second = SecretBox::fromFile(path, created);
  EXPECT_FALSE(created);
  EXPECT_EQ(first.keyId(), second.keyId());
  EXPECT_EQ(second.open("x", first.seal("x", "kept")), "kept");
  std::filesystem::remove_all(dir);
}

} // namespace
