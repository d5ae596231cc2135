#include "CredentialTypes.h"

#include <gtest/gtest.h>

namespace {

using credentials::credential_types::normalize;
using orch::json;

std::string fieldOf(const std::function<void()>& call) {
  try {
    call();
  } catch (const orch::HttpError& error) {
    EXPECT_EQ(error.status(), 422);
    return error.details().value("field", "");
  }
  ADD_FAILURE() << "no validation error";
  return "";
}

TEST(CredentialTypes, AcceptsEachTypesFields) {
  EXPECT_EQ(normalize("smtp", json{{"data", {{"username", "u"}, {"password", "p"}}}}),
            (json{{"username", "u"}, {"password", "p"}}));
  EXPECT_EQ(normalize("bearer", json{{"value", "t0k"}}), (json{{"token", "t0k"}}));
  EXPECT_EQ(normalize("api_key", json{{"data", {{"key", "k"}, {"header", "X-Key"}}}}),
            (json{{"key", "k"}, {"header", "X-Key"}}));
  EXPECT_EQ(normalize("generic", json{{"data", {{"anything", "v"}}}}), (json{{"anything", "v"}}));
}

TEST(CredentialTypes, NamesTheFieldThatIsWrong) {
  EXPECT_EQ(fieldOf([] { normalize("password_manager", json{{"value", "x"}}); }), "type");
  EXPECT_EQ(fieldOf([] { normalize("basic", json{{"data", {{"username", "u"}}}}); }), "data.password");
  EXPECT_EQ(fieldOf([] { normalize("bearer", json{{"data", {{"token", ""}}}}); }), "data.token");
  EXPECT_EQ(fieldOf([] { normalize("bearer", json{{"data", {{"token", 5}}}}); }), "data.token");
  EXPECT_EQ(fieldOf([] { normalize("bearer", json{{"data", {{"token", "a"}, {"extra", "b"}}}}); }), "data.extra");
  EXPECT_EQ(fieldOf([] { normalize("basic", json{{"value", "x"}}); }), "value");
  EXPECT_EQ(fieldOf([] { normalize("api_key", json{{"value", "x"}, {"data", {{"key", "y"}}}}); }), "value");
  EXPECT_EQ(fieldOf([] { normalize("generic", json{{"data", json::object()}}); }), "data");
  EXPECT_EQ(fieldOf([] { normalize("generic", json{{"data", {{"big", std::string(9000, 'x')}}}}); }), "data.big");
}

} // namespace
