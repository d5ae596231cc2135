// Register, login, refresh, logout, the current user, and cross-system tokens.
#include "AuthContext.h"
#include "Permissions.h"
#include "Caller.h"

#include <orchestrator/time.hpp>

namespace auth {
namespace {

constexpr std::uint32_t kPublicAuth = ORCH_ROUTE_PUBLIC;

bool hasControlOrSpace(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; });
}

/// Lower-cased and checked: one '@', something on both sides, a dot in the domain.
std::string normalizedEmail(const orch::json& body) {
  auto email = orch::requiredString(body, "email", 254);
  std::transform(email.begin(), email.end(), email.begin(), [](unsigned char c) { return std::tolower(c); });
  auto at = email.find('@');
  if (at == std::string::npos || at == 0 || email.find('@', at + 1) != std::string::npos ||
      email.find('.', at) == std::string::npos || email.back() == '.' || hasControlOrSpace(email))
    throw orch::HttpError::validation("email", "Not a valid email address");
  return email;
}

std::optional<std::string> checkedUsername(const orch::json& body) {
  auto username = orch::optionalString(body, "username", 64);
  if (!username) return std::nullopt;
  // No '@', so a login name is never ambiguous between a username and an email.
  if (username->size() < 3 || hasControlOrSpace(*username) || username->find('@') != std::string::npos)
    throw orch::HttpError::validation("username", "3 to 64 characters, no spaces and no '@'");
  return username;
}

orch::json profileColumns(const orch::json& body) {
  orch::json columns = orch::json::object();
  for (const char* field : {"first_name", "last_name", "full_name", "company"})
    if (auto value = orch::optionalString(body, field, 200)) columns[field] = *value;
  return columns;
}

orch::json currentUserView(AuthContext& auth, const std::string& userId) {
  auto identity = auth.users.identity(userId);
  if (!identity) throw orch::HttpError::unauthorized();
  return identity->profile;
}

void tooManyAttempts(orch::Response& response, std::int64_t seconds) {
  response.header("Retry-After", std::to_string(seconds));
  throw orch::HttpError(429, "RATE_LIMITED", "Too many failed logins for this account; try again later",
                        {{"retry_after", seconds}});
}

void registerUser(AuthContext& auth, orch::Request& request, orch::Response& response) {
  bool admin = callerIsAdmin(request);
  if (!auth.settings.registrationOpen() && !admin)
    throw orch::HttpError::forbidden("Registration is closed; ask an administrator for an account");
  auto body = request.jsonObject();
  auto email = normalizedEmail(body);
  auto password = orch::requiredString(body, "password", 1000);
  auto username = checkedUsername(body);
  auto columns = profileColumns(body);
  std::string role = "user";
  if (auto requested = orch::optionalString(body, "role", 20); requested && admin) {
    if (!isRole(*requested)) throw orch::HttpError::validation("role", "Must be 'user' or 'admin'");
    role = *requested;
  }
  if (auto problem = auth.passwords.problem(password, email, username.value_or("")))
    throw orch::HttpError::validation("password", *problem);
  if (auth.users.emailTaken(email)) throw orch::HttpError::conflict("Email already registered");
  if (username && auth.users.usernameTaken(*username)) throw orch::HttpError::conflict("Username already taken");

  auto now = orch::nowRfc3339();
  columns["id"] = orch::newId();
  columns["email"] = email;
  columns["username"] = username ? orch::json(*username) : orch::json(nullptr);
  columns["password_hash"] = auth.passwords.hash(password);
  columns["role"] = role;
  columns["is_active"] = 1;
  columns["email_verified"] = 0;
  columns["subscription_tier"] = orch::optionalString(body, "subscription_tier", 50).value_or("free");
  columns["created_at"] = now;
  columns["updated_at"] = now;
  columns["password_changed_at"] = now;
  orch::json row;
  try {
    row = auth.users.create(columns);
  } catch (const std::runtime_error&) {
    // Lost a race with a concurrent registration of the same email.
    if (auth.users.emailTaken(email)) throw orch::HttpError::conflict("Email already registered");
    throw;
  }
  response.status(201).json(UserDirectory::publicView(row));
}

void login(AuthContext& auth, orch::Request& request, orch::Response& response) {
  auto body = request.jsonObject();
  auto login = orch::optionalString(body, "email", 254);
  if (!login) login = orch::optionalString(body, "username", 254);
  if (!login || login->empty()) throw orch::HttpError::validation("email", "Field required");
  auto password = orch::requiredString(body, "password", 1000);
  auto row = auth.users.findByLogin(*login);
  // Failures count per account, whichever name (email or username) is used.
  std::string account = row ? "user:" + (*row)["id"].get<std::string>() : "login:" + *login;
  std::transform(account.begin(), account.end(), account.begin(), [](unsigned char c) { return std::tolower(c); });
  if (auto wait = auth.throttle.lockedFor(account)) tooManyAttempts(response, *wait);

  bool valid = false;
  if (row) {
    valid = auth.passwords.verify((*row)["password_hash"].get<std::string>(), password);
  } else {
    auth.passwords.verifyNothing(password);
  }
  bool active = row && ((*row)["is_active"].is_boolean() ? (*row)["is_active"].get<bool>()
                                                         : (*row)["is_active"].get<long long>() != 0);
  if (!valid || !active) {
    auth.throttle.failed(account);
    throw orch::HttpError::unauthorized("Invalid email or password");
  }
  auto userId = (*row)["id"].get<std::string>();
  auto issued = auth.sessions.start(userId, std::string(request.clientIp()));
  auto updated = auth.users.update(userId, {{"last_login_at", orch::nowRfc3339()}});
  auto answer = auth.tokenResponse(issued);
  answer["user"] = UserDirectory::publicView(updated, auth.users.organizationsOf(userId));
  response.json(answer);
}

/// The refresh token: the body's refresh_token, or, from a client that sends
/// it as its bearer token with no body, the Authorization header's.
std::string refreshTokenOf(const orch::Request& request) {
  auto body = request.jsonObject();
  if (body.contains("refresh_token") || !request.body().empty()) return orch::requiredString(body, "refresh_token", 4096);
  auto authorization = request.header("Authorization").value_or("");
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() > kBearer.size() && authorization.compare(0, kBearer.size(), kBearer) == 0)
    return authorization.substr(kBearer.size());
  throw orch::HttpError::validation("refresh_token", "Field required (in the body, or as the bearer token)");
}

void refresh(AuthContext& auth, orch::Request& request, orch::Response& response) {
  auto token = refreshTokenOf(request);
  auto issued = auth.sessions.refresh(token, [&](const std::string& userId) {
    auto identity = auth.users.identity(userId);
    return identity && identity->active;
  });
  response.json(auth.tokenResponse(issued));
}

void logout(AuthContext& auth, orch::Request& request, orch::Response& response) {
  auto sessionId = request.principal().value("session_id", std::string());
  if (sessionId.empty()) throw orch::HttpError::badRequest("Logout needs a session's access token, not an API key");
  auth.sessions.revoke(sessionId, "logout");
  response.json({{"message", "Successfully logged out"}});
}

void updateMe(AuthContext& auth, orch::Request& request, orch::Response& response) {
  auto userId = callerId(request);
  auto body = request.jsonObject();
  auto row = auth.users.find(userId);
  if (!row) throw orch::HttpError::unauthorized();
  auto columns = profileColumns(body);
  if (auto username = checkedUsername(body); username && *username != (*row)["username"]) {
    if (auth.users.usernameTaken(*username)) throw orch::HttpError::conflict("Username already taken");
    columns["username"] = *username;
  }
  auto newPassword = orch::optionalString(body, "new_password", 1000);
  if (!newPassword) newPassword = orch::optionalString(body, "password", 1000);
  if (newPassword) {
    auto current = orch::optionalString(body, "current_password", 1000);
    if (!current) throw orch::HttpError::validation("current_password", "The current password is required");
    if (!auth.passwords.verify((*row)["password_hash"].get<std::string>(), *current))
      throw orch::HttpError::validation("current_password", "The current password is incorrect");
    if (auto problem = auth.passwords.problem(*newPassword, (*row)["email"].get<std::string>(),
                                              (*row)["username"].is_string() ? (*row)["username"].get<std::string>() : ""))
      throw orch::HttpError::validation("new_password", *problem);
    columns["password_hash"] = auth.passwords.hash(*newPassword);
    columns["password_changed_at"] = orch::nowRfc3339();
  }
  if (!columns.empty()) auth.users.update(userId, columns);
  if (newPassword)
    auth.sessions.revokeAllOf(userId, request.principal().value("session_id", std::string()), "password changed");
  response.json(currentUserView(auth, userId));
}

void crossSystemToken(AuthContext& auth, orch::Request& request, orch::Response& response) {
  auto body = request.jsonObject();
  auto target = orch::requiredString(body, "target_system", 100);
  auto permissions = orch::stringList(body, "permissions");
  if (permissions.empty()) throw orch::HttpError::validation("permissions", "At least one permission is required");
  auto held = callerPermissions(request);
  for (const auto& permission : permissions)
    if (!grants(held, permission))
      throw orch::HttpError(403, "FORBIDDEN", "You do not hold the permission '" + permission + "'",
                            {{"permission", permission}});
  std::int64_t lifetime = auth.settings.crossSystemMaxSeconds;
  if (body.contains("expires_in")) {
    if (!body["expires_in"].is_number_integer() || body["expires_in"].get<std::int64_t>() < 1 ||
        body["expires_in"].get<std::int64_t>() > auth.settings.crossSystemMaxSeconds)
      throw orch::HttpError::validation("expires_in", "Seconds from 1 to " +
                                                          std::to_string(auth.settings.crossSystemMaxSeconds));
    lifetime = body["expires_in"].get<std::int64_t>();
  }
  auto now = orch::nowSeconds();
  TokenClaims claims{callerId(request), "", orch::newId(), "cross_system", target, now, now + lifetime,
                     {{"permissions", permissions}}};
  response.json({{"token", auth.tokens.sign(claims)},
                 {"token_type", "bearer"},
                 {"target_system", target},
                 {"permissions", permissions},
                 {"expires_in", lifetime},
                 {"expires_at", orch::rfc3339(now + lifetime)}});
}

} // namespace

void registerAccountRoutes(AuthContext& auth) {
  auto& plugin = auth.plugin;
  auto bind = [&auth](void (*handler)(AuthContext&, orch::Request&, orch::Response&)) {
    return [&auth, handler](orch::Request& request, orch::Response& response) { handler(auth, request, response); };
  };
  plugin.route("POST", "/auth/register", bind(registerUser),
               {.category = "auth", .summary = "Create an account", .flags = kPublicAuth});
  plugin.route("POST", "/auth/login", bind(login),
               {.category = "auth", .summary = "Log in (JSON or form)", .flags = kPublicAuth | ORCH_ROUTE_ACCEPTS_FORM});
  plugin.route("POST", "/auth/refresh", bind(refresh),
               {.category = "auth", .summary = "Rotate a refresh token", .flags = kPublicAuth});
  plugin.route("POST", "/auth/logout", bind(logout), {.summary = "End this session"});
  plugin.route("GET", "/auth/me", [&auth](orch::Request& request, orch::Response& response) {
    auto view = currentUserView(auth, callerId(request));
    // What these credentials grant: an API key shows its scopes, not its owner's.
    view["permissions"] = request.principal().value("permissions", orch::json::array());
    response.json(view);
  }, {.summary = "The current user, roles and permissions"});
  plugin.route("GET", "/users/me", [&auth](orch::Request& request, orch::Response& response) {
    response.json(currentUserView(auth, callerId(request)));
  }, {.summary = "The current user's profile"});
  plugin.route("PUT", "/users/me", bind(updateMe), {.summary = "Update the profile or the password"});
  plugin.route("POST", "/auth/cross-system-token", bind(crossSystemToken),
               {.summary = "A short-lived token for another system"});
}

} // namespace auth
