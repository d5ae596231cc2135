// Organizations (seed 004): create, unique slug, members and their roles, and
// the tenancy rule that an outsider gets 404.
#include "AuthTestSupport.h"

using namespace auth_test;

namespace {

class Organizations : public SharedHostTest {
protected:
  json createOrg(const User& owner, const std::string& name) {
    auto slug = "org-" + uniqueSuffix();
    auto response = client().post("/api/v1/organizations",
                                  {{"name", name}, {"slug", slug}, {"subscription_tier", "pro"}}, owner.auth());
    require(response.status == 201, "create organization answered " + std::to_string(response.status) + ": " + response.body);
    return response.json();
  }
  std::string orgPath(const json& org) { return "/api/v1/organizations/" + org["id"].get<std::string>(); }
  /// The caller's organizations from `{"organizations": [...]}`.
  json listOrgs(const User& user) {
    auto response = client().get("/api/v1/organizations", user.auth());
    require(response.status == 200, "list organizations answered " + std::to_string(response.status) + ": " + response.body);
    auto body = response.json();
    require(body.contains("organizations") && body["organizations"].is_array(), "seed 004's list body: " + response.body);
    return body["organizations"];
  }
  static json findById(const json& items, const json& id, const char* key = "id") {
    for (const auto& item : items)
      if (item.value(key, json()) == id) return item;
    return nullptr;
  }
  HttpResult addMember(const json& org, const json& body, const User& caller) {
    return client().post(orgPath(org) + "/members", body, caller.auth());
  }
};

} // namespace

TEST_P(Organizations, TheCreatorOwnsANewOrganization) {
  auto owner = client().newUser("founder");
  auto slug = "acme-" + uniqueSuffix();
  auto response = client().post("/api/v1/organizations",
                                {{"name", "Acme Corp"}, {"slug", slug}, {"subscription_tier", "pro"}}, owner.auth());
  ASSERT_EQ(response.status, 201) << response.body;
  auto org = response.json();
  EXPECT_TRUE(org["id"].is_string());
  EXPECT_EQ(org["name"], "Acme Corp");
  EXPECT_EQ(org["slug"], slug);
  EXPECT_EQ(org["subscription_tier"], "pro");
  EXPECT_TRUE(isUtcTimestamp(org["created_at"])) << response.body;

  auto listed = findById(listOrgs(owner), org["id"]);
  ASSERT_FALSE(listed.is_null());
  EXPECT_EQ(listed["role"], "owner");
  EXPECT_EQ(listed["slug"], slug);
  EXPECT_EQ(listed["name"], "Acme Corp");
  EXPECT_EQ(listed["subscription_tier"], "pro");
  EXPECT_TRUE(isUtcTimestamp(listed["created_at"]));

  auto detail = client().get(orgPath(org), owner.auth());
  ASSERT_EQ(detail.status, 200) << detail.body;
  auto members = detail.json()["members"];
  ASSERT_EQ(members.size(), 1u) << detail.body;
  EXPECT_TRUE(members[0]["id"].is_string());
  EXPECT_EQ(members[0]["user_id"], owner.id);
  EXPECT_EQ(members[0]["email"], owner.email);
  EXPECT_EQ(members[0]["role"], "owner");
  EXPECT_TRUE(isUtcTimestamp(members[0]["joined_at"])) << detail.body;
  EXPECT_EQ(detail.json()["slug"], slug);

  // auth/me lists the membership too.
  auto me = client().me(owner.auth()).json();
  auto membership = findById(me["organizations"], org["id"]);
  ASSERT_FALSE(membership.is_null()) << me.dump();
  EXPECT_EQ(membership["role"], "owner");
}

TEST_P(Organizations, ASlugIsUnique) {
  auto first = client().newUser("slug-a");
  auto second = client().newUser("slug-b");
  auto org = createOrg(first, "First");
  auto again = client().post("/api/v1/organizations", {{"name", "Second"}, {"slug", org["slug"]}}, second.auth());
  expectError(again, 409, "CONFLICT");
  EXPECT_TRUE(listOrgs(second).empty()) << "nothing half-created";
  auto missingName = client().post("/api/v1/organizations", {{"slug", "no-name-" + uniqueSuffix()}}, second.auth());
  expectError(missingName, 422, "VALIDATION_ERROR");
}

TEST_P(Organizations, AnOutsiderGets404) {
  auto owner = client().newUser("private-owner");
  auto outsider = client().newUser("outsider");
  auto org = createOrg(owner, "Private");
  expectError(client().get(orgPath(org), outsider.auth()), 404, "NOT_FOUND");
  EXPECT_TRUE(findById(listOrgs(outsider), org["id"]).is_null());
  auto intrude = addMember(org, {{"email", outsider.email}, {"role", "owner"}}, outsider);
  EXPECT_TRUE(intrude.status == 404 || intrude.status == 403) << "an outsider cannot add itself: " << intrude.body;
  expectError(client().get(orgPath(org), outsider.auth()), 404, "NOT_FOUND");
  auto kick = client().del(orgPath(org) + "/members/" + owner.id, outsider.auth());
  EXPECT_TRUE(kick.status == 404 || kick.status == 403) << kick.body;
  EXPECT_EQ(client().get(orgPath(org), owner.auth()).status, 200);
  expectError(client().get("/api/v1/organizations/00000000-0000-4000-8000-000000000000", owner.auth()), 404, "NOT_FOUND");
}

TEST_P(Organizations, TheOwnerAddsAndRemovesMembers) {
  auto owner = client().newUser("org-owner");
  auto member = client().newUser("org-member");
  auto org = createOrg(owner, "Team");

  auto added = addMember(org, {{"email", member.email}, {"role", "member"}}, owner);
  ASSERT_GE(added.status, 200) << added.body;
  ASSERT_LT(added.status, 300) << added.body;

  auto seen = findById(listOrgs(member), org["id"]);
  ASSERT_FALSE(seen.is_null()) << "the member sees the organization";
  EXPECT_EQ(seen["role"], "member");
  auto detail = client().get(orgPath(org), member.auth());
  ASSERT_EQ(detail.status, 200) << detail.body;
  auto entry = findById(detail.json()["members"], member.id, "user_id");
  ASSERT_FALSE(entry.is_null()) << detail.body;
  EXPECT_EQ(entry["role"], "member");
  EXPECT_EQ(entry["email"], member.email);
  auto membership = findById(client().me(member.auth()).json()["organizations"], org["id"]);
  EXPECT_EQ(membership.value("role", ""), "member");

  // A plain member manages nobody.
  auto third = client().newUser("org-third");
  auto refused = addMember(org, {{"email", third.email}, {"role", "member"}}, member);
  expectError(refused, 403, "FORBIDDEN");
  expectError(client().get(orgPath(org), third.auth()), 404, "NOT_FOUND");
  auto selfPromote = addMember(org, {{"user_id", member.id}, {"role", "owner"}}, member);
  expectError(selfPromote, 403, "FORBIDDEN");

  auto removed = client().del(orgPath(org) + "/members/" + member.id, owner.auth());
  EXPECT_EQ(removed.status, 204) << removed.body;
  expectError(client().get(orgPath(org), member.auth()), 404, "NOT_FOUND");
  EXPECT_TRUE(findById(listOrgs(member), org["id"]).is_null());
  EXPECT_TRUE(findById(client().me(member.auth()).json()["organizations"], org["id"]).is_null());
}

TEST_P(Organizations, MembersByUserIdAndTheOrgAdminRole) {
  auto owner = client().newUser("role-owner");
  auto orgAdmin = client().newUser("role-admin");
  auto viewer = client().newUser("role-viewer");
  auto org = createOrg(owner, "Roles");

  auto byId = addMember(org, {{"user_id", orgAdmin.id}, {"role", "admin"}}, owner);
  ASSERT_LT(byId.status, 300) << byId.body;
  // An organization admin manages members too.
  auto byOrgAdmin = addMember(org, {{"email", viewer.email}, {"role", "viewer"}}, orgAdmin);
  ASSERT_LT(byOrgAdmin.status, 300) << byOrgAdmin.body;
  EXPECT_EQ(findById(listOrgs(viewer), org["id"]).value("role", ""), "viewer");

  auto candidate = client().newUser("role-x");
  for (const char* role : {"superuser", "OWNER ", "", "root"}) {
    SCOPED_TRACE(role);
    auto invalid = addMember(org, {{"email", candidate.email}, {"role", role}}, owner);
    expectError(invalid, 422, "VALIDATION_ERROR");
  }
  EXPECT_TRUE(findById(listOrgs(candidate), org["id"]).is_null()) << "no invalid role was stored";
  auto unknown = addMember(org, {{"email", uniqueEmail("nobody")}, {"role", "member"}}, owner);
  EXPECT_TRUE(unknown.status == 404 || unknown.status == 422) << unknown.body;

  // The global admin may manage any organization.
  auto extra = client().newUser("role-extra");
  auto byGlobalAdmin = addMember(org, {{"email", extra.email}, {"role", "member"}}, admin());
  EXPECT_LT(byGlobalAdmin.status, 300) << byGlobalAdmin.body;
  EXPECT_FALSE(findById(listOrgs(extra), org["id"]).is_null());
}

AUTH_INSTANTIATE_BACKENDS(Organizations);
