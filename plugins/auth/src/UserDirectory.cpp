#include "UserDirectory.h"

#include "Permissions.h"

#include <orchestrator/time.hpp>

namespace auth {
namespace {

constexpr const char* kColumns =
    "id, email, username, password_hash, first_name, last_name, full_name, company, role, is_active, "
    "email_verified, subscription_tier, created_at, updated_at, last_login_at";

bool flag(const orch::json& value) {
  return value.is_boolean() ? value.get<bool>() : value.is_number() && value.get<long long>() != 0;
}

orch::json textOrNull(const orch::json& row, const char* column) {
  auto it = row.find(column);
  return it == row.end() ? orch::json(nullptr) : *it;
}

} // namespace

std::optional<orch::json> UserDirectory::find(const std::string& id) const {
  return db_.queryOne(std::string("SELECT ") + kColumns + " FROM auth_users WHERE id = ?", {id});
}

std::optional<orch::json> UserDirectory::findByLogin(const std::string& login) const {
  std::string folded = login;
  std::transform(folded.begin(), folded.end(), folded.begin(), [](unsigned char c) { return std::tolower(c); });
  return db_.queryOne(std::string("SELECT ") + kColumns + " FROM auth_users WHERE email = ? OR username = ?",
                      {folded, login});
}

bool UserDirectory::emailTaken(const std::string& email) const {
  return db_.queryOne("SELECT id FROM auth_users WHERE email = ?", {email}).has_value();
}

bool UserDirectory::usernameTaken(const std::string& username) const {
  return db_.queryOne("SELECT id FROM auth_users WHERE username = ?", {username}).has_value();
}

std::size_t UserDirectory::count() const {
  return db_.queryOne("SELECT COUNT(*) AS n FROM auth_users")->at("n").get<std::size_t>();
}

orch::json UserDirectory::create(const orch::json& fields) {
  db_.insert("auth_users", fields);
  return *find(fields.at("id").get<std::string>());
}

orch::json UserDirectory::update(const std::string& id, const orch::json& columns) {
  std::string assignments;
  orch::json values = orch::json::array();
  for (const auto& [column, value] : columns.items()) {
    assignments += (assignments.empty() ? "" : ", ") + column + " = ?";
    values.push_back(value);
  }
  assignments += ", updated_at = ?";
  values.push_back(orch::nowRfc3339());
  values.push_back(id);
  db_.execute("UPDATE auth_users SET " + assignments + " WHERE id = ?", values);
  forget(id);
  return *find(id);
}

orch::json UserDirectory::publicView(const orch::json& row, const orch::json& organizations) {
  auto role = row.value("role", std::string("user"));
  auto first = textOrNull(row, "first_name"), last = textOrNull(row, "last_name");
  auto full = textOrNull(row, "full_name");
  if (full.is_null() && (first.is_string() || last.is_string())) {
    std::string joined = first.is_string() ? first.get<std::string>() : "";
    if (last.is_string()) joined += (joined.empty() ? "" : " ") + last.get<std::string>();
    full = joined;
  }
  return {{"id", row["id"]},
          {"email", row["email"]},
          {"username", textOrNull(row, "username")},
          {"first_name", first},
          {"last_name", last},
          {"full_name", full},
          {"company", textOrNull(row, "company")},
          {"role", role},
          {"roles", orch::json::array({role})},
          {"permissions", rolePermissions(role)},
          {"is_active", flag(row["is_active"])},
          {"is_admin", role == "admin"},
          {"email_verified", flag(row["email_verified"])},
          {"subscription_tier", row.value("subscription_tier", std::string("free"))},
          {"organizations", organizations},
          {"created_at", row["created_at"]},
          {"updated_at", row["updated_at"]},
          {"last_login", textOrNull(row, "last_login_at")},
          {"last_login_at", textOrNull(row, "last_login_at")}};
}

orch::json UserDirectory::organizationsOf(const std::string& id) const {
  orch::json list = orch::json::array();
  for (const auto& row : db_.query("SELECT organization_id, role FROM auth_org_members WHERE user_id = ? "
                                   "ORDER BY joined_at",
                                   {id}))
    list.push_back({{"id", row["organization_id"]}, {"role", row["role"]}});
  return list;
}

std::shared_ptr<const UserDirectory::Identity> UserDirectory::identity(const std::string& id) {
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(id);
    if (it != cache_.end() && now - it->second.fetched < cacheTtl_) return it->second.identity;
  }
  std::shared_ptr<const Identity> identity;
  if (auto row = find(id)) {
    auto role = (*row)["role"].get<std::string>();
    auto organizations = organizationsOf(id);
    orch::json ids = orch::json::array();
    for (const auto& org : organizations) ids.push_back(org["id"]);
    identity = std::make_shared<const Identity>(Identity{{{"id", id},
                         {"email", (*row)["email"]},
                         {"roles", {role}},
                         {"permissions", rolePermissions(role)},
                         {"organizations", organizations},
                         {"organization_ids", ids}},
                        publicView(*row, organizations),
                        flag((*row)["is_active"])});
  }
  std::lock_guard lock(mutex_);
  if (cache_.size() > 100000) cache_.clear(); // bounded: a burst of distinct users cannot grow it forever
  cache_[id] = Cached{identity, now};
  return identity;
}

void UserDirectory::forget(const std::string& id) {
  std::lock_guard lock(mutex_);
  cache_.erase(id);
}

} // namespace auth
