// Header-only C++ wrapper over abi.h for plugin authors.
//
//   #include <orchestrator/plugin.hpp>
//
//   static void init(orch::Plugin& plugin) {
//     plugin.route("GET", "/hello/{name}", [](orch::Request& req, orch::Response& res) {
//       res.json({{"hello", req.param("name")}});
//     }, {.permission = "hello:read"});
//   }
//   ORCH_PLUGIN("hello", "1.0.0", "Says hello", init)
//
// Everything the wrapper registers is kept alive by the orch::Plugin object
// the host owns (through plugin_state) until on_shutdown. Every thunk below
// catches every exception, so none ever crosses into the host: an
// orch::HttpError thrown by a route handler becomes the standard error
// envelope; anything else becomes a 500 whose details are only logged.
#pragma once

#include "abi.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace orch {

using json = nlohmann::json;

namespace detail {

inline orch_str view(std::string_view s) { return orch_str{s.data(), s.size()}; }
inline std::string_view view(orch_str s) { return s.ptr ? std::string_view(s.ptr, s.len) : std::string_view(); }

/// An orch_sink that appends into a std::string owned by this side.
struct StringSink {
  orch_sink sink{&StringSink::append};
  std::string text;
  static void append(orch_sink* self, const char* ptr, std::size_t len) {
    reinterpret_cast<StringSink*>(self)->text.append(ptr, len);
  }
  orch_sink* get() { return &sink; }
};

inline void write(orch_sink* sink, std::string_view text) {
  if (sink && !text.empty()) sink->write(sink, text.data(), text.size());
}

/// SQL parameters as a JSON array. `{value}` with a single json element is
/// that element, not a one-element array (C++ list-initialization), so a
/// non-array is taken as the one parameter it was meant to be.
inline std::string paramsText(const json& params) {
  return params.is_array() ? params.dump() : json::array({params}).dump();
}

inline json parseOr(std::string_view text, json fallback) {
  if (text.empty()) return fallback;
  return json::parse(text);
}

inline int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Decodes application/x-www-form-urlencoded text (also query strings).
inline std::string percentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%' && i + 2 < in.size() && hexValue(in[i + 1]) >= 0 && hexValue(in[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(in[i + 1]) * 16 + hexValue(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

/// Parses `a=1&b=x%20y` into {"a":"1","b":"x y"}; a repeated key keeps the last.
inline json parseUrlEncoded(std::string_view text) {
  json out = json::object();
  while (!text.empty()) {
    auto amp = text.find('&');
    auto pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = percentDecode(pair.substr(0, eq));
    out[key] = eq == std::string_view::npos ? std::string() : percentDecode(pair.substr(eq + 1));
  }
  return out;
}

} // namespace detail

/// Seconds since the Unix epoch.
inline std::int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// An epoch second in UTC, formatted by strftime's `format` ("%Y-%m" -> "2026-11").
inline std::string formatUtc(std::int64_t epochSeconds, const char* format) {
  std::time_t t = static_cast<std::time_t>(epochSeconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[64];
  return std::string(text, std::strftime(text, sizeof text, format, &utc));
}

/// An epoch second as RFC 3339 UTC, the form API.md gives every time: "2026-11-23T10:00:00Z".
inline std::string rfc3339(std::int64_t epochSeconds) { return formatUtc(epochSeconds, "%Y-%m-%dT%H:%M:%SZ"); }

inline std::string nowRfc3339() { return rfc3339(nowSeconds()); }

/// A random version 4 UUID, the form API.md gives every id.
inline std::string newId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  auto high = random(), low = random();
  char text[40];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xffff), static_cast<unsigned>(high & 0xfff),
                static_cast<unsigned>(((low >> 48) & 0x3fff) | 0x8000),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

/// Whether held permissions grant `permission`: exactly, or through "*",
/// "admin:*" or "<resource>:*". The host checks route permissions this way;
/// plugins checking finer rules should too.
inline bool grants(const std::vector<std::string>& held, std::string_view permission) {
  auto resource = permission.substr(0, permission.find(':'));
  for (const auto& p : held) {
    if (p == permission || p == "*" || p == "admin:*") return true;
    if (p.size() == resource.size() + 2 && p.compare(0, resource.size(), resource) == 0 &&
        p.compare(resource.size(), 2, ":*") == 0)
      return true;
  }
  return false;
}

/// An error answered to the client in the standard envelope. Throw it from a
/// route handler; `code` is one of API.md's codes (VALIDATION_ERROR, ...).
class HttpError : public std::runtime_error {
public:
  HttpError(int status, std::string code, const std::string& message, json details = nullptr)
      : std::runtime_error(message), status_(status), code_(std::move(code)), details_(std::move(details)) {}

  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const json& details() const { return details_; }

  static HttpError badRequest(const std::string& message, json details = nullptr) {
    return {400, "BAD_REQUEST", message, std::move(details)};
  }
  static HttpError unauthorized(const std::string& message = "Authentication required") {
    return {401, "UNAUTHORIZED", message};
  }
  static HttpError forbidden(const std::string& message = "Permission denied") {
    return {403, "FORBIDDEN", message};
  }
  static HttpError notFound(const std::string& message = "Not found") { return {404, "NOT_FOUND", message}; }
  static HttpError conflict(const std::string& message) { return {409, "CONFLICT", message}; }
  /// A 422 naming the exact field, e.g. ("steps[0].config.prompt", "Prompt cannot be empty").
  static HttpError validation(const std::string& field, const std::string& issue,
                              const std::string& message = "Validation failed") {
    return {422, "VALIDATION_ERROR", message, json{{"field", field}, {"issue", issue}}};
  }

private:
  int status_;
  std::string code_;
  json details_;
};

/// The host's function table and this plugin's handle, with C++ signatures.
class Host {
public:
  Host(orch_host* host, const orch_host_api* api) : host_(host), api_(api) {}

  orch_host* raw() const { return host_; }
  const orch_host_api& api() const { return *api_; }

  void log(int level, std::string_view message) const { api_->log(host_, level, detail::view(message)); }

  /// The configuration value of `key`, after environment and command-line overrides.
  std::optional<std::string> config(std::string_view key) const {
    detail::StringSink value;
    if (api_->config_get(host_, detail::view(key), value.get()) != ORCH_OK) return std::nullopt;
    return std::move(value.text);
  }

  /// Whether the host's table has `member` (it may be older than this SDK).
  template <typename Member>
  bool has(Member orch_host_api::*member) const {
    auto offset = reinterpret_cast<std::size_t>(&(static_cast<const orch_host_api*>(nullptr)->*member));
    return api_->struct_size >= offset + sizeof(Member) && api_->*member != nullptr;
  }

  /// Checks a status and turns a failure into an exception carrying the message.
  static void check(orch_status status, detail::StringSink& error, std::string_view what) {
    if (status == ORCH_OK) return;
    throw std::runtime_error(std::string(what) + ": " +
                             (error.text.empty() ? "status " + std::to_string(status) : error.text));
  }

private:
  orch_host* host_;
  const orch_host_api* api_;
};

/// A database transaction; rolled back on destruction unless committed.
class Transaction {
public:
  Transaction(const Host& host, orch_txn* txn) : host_(host), txn_(txn) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (txn_) host_.api().sql_rollback(host_.raw(), txn_);
  }
  void commit() {
    detail::StringSink error;
    orch_txn* txn = std::exchange(txn_, nullptr);
    Host::check(host_.api().sql_commit(host_.raw(), txn, error.get()), error, "commit");
  }
  orch_txn* raw() const { return txn_; }

private:
  const Host& host_;
  orch_txn* txn_;
};

/// Portable SQL with `?` placeholders; rows come back as JSON objects.
class Database {
public:
  explicit Database(const Host& host) : host_(host) {}

  /// Rows as a JSON array of objects keyed by column name. Throws on error.
  json query(std::string_view sql, const json& params = json::array(), Transaction* txn = nullptr) const {
    detail::StringSink rows, error;
    auto params_text = detail::paramsText(params);
    Host::check(host_.api().sql_query(host_.raw(), txn ? txn->raw() : nullptr, detail::view(sql),
                                      detail::view(params_text), rows.get(), error.get()),
                error, "sql");
    return json::parse(rows.text);
  }

  /// The first row, or nullopt.
  std::optional<json> queryOne(std::string_view sql, const json& params = json::array(),
                               Transaction* txn = nullptr) const {
    auto rows = query(sql, params, txn);
    if (rows.empty()) return std::nullopt;
    return std::move(rows[0]);
  }

  /// Runs a statement without rows; returns the affected row count.
  std::uint64_t execute(std::string_view sql, const json& params = json::array(),
                        Transaction* txn = nullptr) const {
    detail::StringSink result, error;
    auto params_text = detail::paramsText(params);
    Host::check(host_.api().sql_execute(host_.raw(), txn ? txn->raw() : nullptr, detail::view(sql),
                                        detail::view(params_text), result.get(), error.get()),
                error, "sql");
    return json::parse(result.text).value("affected_rows", std::uint64_t{0});
  }

  /// INSERT of one row given as {column: value}. Column names must come from
  /// the plugin's code, never from a client: only values are parameters.
  std::uint64_t insert(std::string_view table, const json& columns, Transaction* txn = nullptr) const {
    std::string names, marks;
    json values = json::array();
    for (const auto& [column, value] : columns.items()) {
      names += (names.empty() ? "" : ", ") + column;
      marks += marks.empty() ? "?" : ", ?";
      values.push_back(value);
    }
    return execute("INSERT INTO " + std::string(table) + " (" + names + ") VALUES (" + marks + ")", values, txn);
  }

  /// Runs `work` in a transaction, committed when it returns, rolled back when it throws.
  template <typename Work>
  auto transaction(Work&& work) const {
    orch_txn* txn = nullptr;
    detail::StringSink error;
    Host::check(host_.api().sql_begin(host_.raw(), &txn, error.get()), error, "begin");
    Transaction tx(host_, txn);
    if constexpr (std::is_void_v<decltype(work(tx))>) {
      work(tx);
      tx.commit();
    } else {
      auto result = work(tx);
      tx.commit();
      return result;
    }
  }

  /// "sqlite" or "postgresql".
  std::string backend() const {
    detail::StringSink name;
    host_.api().sql_backend(host_.raw(), name.get());
    return name.text;
  }

private:
  const Host& host_;
};

/// One HTTP request, as a route handler sees it. Valid during the handler.
class Request {
public:
  Request(const Host& host, const orch_request& raw) : host_(host), raw_(raw) {}

  std::string_view method() const { return detail::view(raw_.method); }
  std::string_view path() const { return detail::view(raw_.path); }
  std::string_view routeTemplate() const { return detail::view(raw_.route_template); }
  std::string_view body() const { return detail::view(raw_.body); }
  std::string_view contentType() const { return detail::view(raw_.content_type); }
  std::string_view requestId() const { return detail::view(raw_.request_id); }
  std::string_view clientIp() const { return detail::view(raw_.client_ip); }

  /// The body as JSON (an empty body is an empty object). A form body is
  /// decoded into an object of strings.
  nlohmann::json json() const {
    if (contentType() == "application/x-www-form-urlencoded") return detail::parseUrlEncoded(body());
    try {
      return detail::parseOr(body(), nlohmann::json::object());
    } catch (const nlohmann::json::exception&) {
      throw HttpError::badRequest("Malformed JSON body");
    }
  }

  /// A path parameter of the route template ("{id}" -> param("id")).
  std::string param(const std::string& name) const {
    if (!params_) params_ = detail::parseOr(detail::view(raw_.params_json), json::object());
    auto it = params_->find(name);
    return it == params_->end() ? std::string() : it->get<std::string>();
  }

  /// A query parameter, percent-decoded.
  std::optional<std::string> query(const std::string& name) const {
    if (!query_) query_ = detail::parseUrlEncoded(detail::view(raw_.query));
    auto it = query_->find(name);
    if (it == query_->end()) return std::nullopt;
    return it->get<std::string>();
  }

  std::optional<std::string> header(std::string_view name) const {
    detail::StringSink value;
    if (host_.api().request_header(raw_.header_source, detail::view(name), value.get()) != ORCH_OK)
      return std::nullopt;
    return std::move(value.text);
  }

  /// The authenticated principal, or null for a public route called anonymously.
  const nlohmann::json& principal() const {
    if (!principal_) principal_ = detail::parseOr(detail::view(raw_.principal_json), nullptr);
    return *principal_;
  }

private:
  const Host& host_;
  const orch_request& raw_;
  mutable std::optional<nlohmann::json> params_, query_, principal_;
};

/// The response a route handler writes. Status 200 and JSON by default.
class Response {
public:
  Response(const Host& host, orch_response* raw) : host_(host), raw_(raw) {}

  Response& status(int code) {
    host_.api().response_set_status(raw_, code);
    return *this;
  }
  Response& header(std::string_view name, std::string_view value) {
    host_.api().response_set_header(raw_, detail::view(name), detail::view(value));
    return *this;
  }
  /// Appends raw text to the body.
  Response& write(std::string_view text) {
    host_.api().response_write(raw_, text.data(), text.size());
    return *this;
  }
  Response& json(const nlohmann::json& body) { return write(body.dump()); }
  /// Sends `chunk` to the client at once (headers go with the first call;
  /// chunked encoding). Returns false when the client has gone away.
  /// Needs a host with ABI 1.2.
  bool stream(std::string_view chunk) {
    if (!host_.has(&orch_host_api::response_stream))
      throw std::runtime_error("the host is too old for streamed responses (ABI 1.2)");
    return host_.api().response_stream(raw_, chunk.data(), chunk.size()) == ORCH_OK;
  }

private:
  const Host& host_;
  orch_response* raw_;
};

/// A page of a list, from `page` (from 1) with `limit` or its alias
/// `page_size` (default 20, capped at 100), or `skip` + `limit` (API.md).
struct Page {
  std::int64_t page = 1, limit = 20, offset = 0;

  /// Reads the query; a malformed number is a 422 naming the parameter.
  static Page of(const Request& request, std::int64_t maxLimit = 100) {
    auto number = [&](const char* name, std::int64_t fallback, std::int64_t min) -> std::int64_t {
      auto text = request.query(name);
      if (!text) return fallback;
      try {
        std::size_t used = 0;
        auto value = std::stoll(*text, &used);
        if (used == text->size() && value >= min) return value;
      } catch (const std::exception&) {
      }
      throw HttpError::validation(name, std::string("Must be a whole number of at least ") + std::to_string(min));
    };
    Page page;
    page.limit = std::min(number("limit", number("page_size", 20, 1), 1), maxLimit);
    if (request.query("skip")) {
      page.offset = number("skip", 0, 0);
      page.page = page.offset / page.limit + 1;
    } else {
      page.page = number("page", 1, 1);
      page.offset = (page.page - 1) * page.limit;
    }
    return page;
  }

  /// The list body of API.md: {"<plural>": [...], total, page, limit,
  /// page_size, total_pages, has_next, pagination{page,limit,total,pages}}.
  json envelope(const std::string& plural, json items, std::int64_t total) const {
    auto pages = (total + limit - 1) / limit;
    auto count = static_cast<std::int64_t>(items.size());
    return {{plural, std::move(items)},
            {"total", total},
            {"page", page},
            {"limit", limit},
            {"page_size", limit},
            {"total_pages", pages},
            {"has_next", offset + count < total},
            {"pagination", {{"page", page}, {"limit", limit}, {"total", total}, {"pages", pages}}}};
  }
};

using RouteHandler = std::function<void(Request&, Response&)>;

/// Route metadata: who may call it, how it is limited and documented.
struct RouteOptions {
  std::string permission;  ///< e.g. "workflow:read"; empty: any authenticated principal
  std::string category;    ///< rate-limit category; empty: "default"
  std::string summary;     ///< one line in /openapi.json
  nlohmann::json openapi;  ///< extra OpenAPI operation fields
  std::uint32_t flags = 0; ///< ORCH_ROUTE_*
};

/// What a step sees when it runs.
struct StepContext {
  json config;
  json input;
  std::string executionId;
  std::string stepId;
  json principal;
};
using StepHandler = std::function<json(const StepContext&)>;

/// A framework adapter's hooks. validate throws HttpError::validation on a
/// problem; compile turns a definition into {"nodes","edges"}.
struct FrameworkAdapter {
  std::function<void(const json& definition)> validate;
  std::function<json(const json& definition)> compile;
  std::function<json(const json& graph)> exportGraph; ///< may be empty
};

/// What the authenticator is given.
struct AuthRequest {
  std::string_view authorization, apiKey, queryToken, clientIp, path;
};
/// What it answers: a principal, no credentials, or a refusal with a reason.
struct AuthResult {
  enum class Kind { Authenticated, NoCredentials, Denied } kind = Kind::NoCredentials;
  json principal;
  std::string message;
  static AuthResult authenticated(json p) { return {Kind::Authenticated, std::move(p), {}}; }
  static AuthResult none() { return {}; }
  static AuthResult denied(std::string why) { return {Kind::Denied, nullptr, std::move(why)}; }
};

using ServiceHandler = std::function<json(const std::string& method, const json& request)>;
using EventHandler = std::function<void(const std::string& topic, const json& payload)>;
/// Which hosts' events a subscription receives.
enum class EventScope { ThisHost, AllHosts };
/// An event as the host carries it: the payload's JSON text, not yet parsed.
using EventTextHandler = std::function<void(const std::string& topic, std::string_view payload)>;
using Job = std::function<void()>;

/// The plugin as its init function sees it: registers everything and gives
/// access to the host's services. Owned by the host (as plugin_state).
/// A WebSocket route's hooks (ABI 1.3). `open` throws to refuse the client:
/// the exception's message is the reason it is given.
struct WebSocketHandlers {
  std::function<void(std::uint64_t connection, Request& request)> open;
  std::function<void(std::uint64_t connection, std::string_view text)> message; ///< may be empty
  std::function<void(std::uint64_t connection)> close;                         ///< may be empty
};

class Plugin {
public:
  Plugin(orch_host* host, const orch_host_api* api) : host_(host, api), db_(host_) {}
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  const Host& host() const { return host_; }
  const Database& db() const { return db_; }

  std::optional<std::string> config(std::string_view key) const { return host_.config(key); }
  std::string config(std::string_view key, std::string fallback) const {
    return host_.config(key).value_or(std::move(fallback));
  }

  void logInfo(std::string_view m) const { host_.log(ORCH_LOG_INFO, m); }
  void logWarning(std::string_view m) const { host_.log(ORCH_LOG_WARNING, m); }
  void logError(std::string_view m) const { host_.log(ORCH_LOG_ERROR, m); }

  /// Registers a route; throws when the host refuses it (conflict, bad template).
  template <typename Handler>
  void route(std::string_view method, std::string_view path, Handler handler, RouteOptions options = {}) {
    // A lambda that returns response.json(...) on one path and falls off its
    // end on another is undefined behaviour: refuse it at compile time.
    static_assert(std::is_void_v<std::invoke_result_t<Handler&, Request&, Response&>>,
                  "a route handler returns void: write the answer with response.json(...), then `return;`");
    addRoute(method, path, RouteHandler(std::move(handler)), std::move(options));
  }

private:
  void addRoute(std::string_view method, std::string_view path, RouteHandler handler, RouteOptions options) {
    auto& entry = routes_.emplace_back(RouteEntry{this, std::move(handler)});
    auto openapi = options.openapi.is_null() ? std::string() : options.openapi.dump();
    orch_route_descriptor d{};
    d.struct_size = sizeof d;
    d.method = detail::view(method);
    d.path_template = detail::view(path);
    d.permission = detail::view(options.permission);
    d.category = detail::view(options.category);
    d.summary = detail::view(options.summary);
    d.openapi_json = detail::view(openapi);
    d.flags = options.flags;
    d.on_request = &Plugin::onRequest;
    d.user_data = &entry;
    expectOk(host_.api().register_route(host_.raw(), &d), "route " + std::string(method) + " " + std::string(path));
  }

public:
  /// Registers a WebSocket route (ABI 1.3); `options.flags` takes
  /// ORCH_ROUTE_AT_ROOT and ORCH_WEBSOCKET_FIRST_MESSAGE_AUTH.
  void websocket(std::string_view path, WebSocketHandlers handlers, RouteOptions options = {}) {
    if (!host_.has(&orch_host_api::websocket_close))
      throw std::runtime_error("the host is too old for WebSockets (ABI 1.3)");
    auto& entry = websockets_.emplace_back(WebSocketEntry{this, std::move(handlers)});
    orch_websocket_route_descriptor d{};
    d.struct_size = sizeof d;
    d.path_template = detail::view(path);
    d.permission = detail::view(options.permission);
    d.summary = detail::view(options.summary);
    d.flags = options.flags;
    d.on_open = &Plugin::onWebSocketOpen;
    d.on_message = &Plugin::onWebSocketMessage;
    d.on_close = &Plugin::onWebSocketClose;
    d.user_data = &entry;
    expectOk(host_.api().register_websocket_route(host_.raw(), &d), "WebSocket route " + std::string(path));
  }
  /// Queues a text message; false when the connection is gone or was just
  /// dropped for reading too slowly.
  bool websocketSend(std::uint64_t connection, std::string_view text) const {
    return host_.api().websocket_send(host_.raw(), connection, detail::view(text)) == ORCH_OK;
  }
  void websocketClose(std::uint64_t connection, int code, std::string_view reason) const {
    host_.api().websocket_close(host_.raw(), connection, code, detail::view(reason));
  }

  /// Registers a workflow step type with the JSON Schema of its config.
  void stepType(std::string_view name, std::string_view description, const json& configSchema, StepHandler run) {
    auto& entry = steps_.emplace_back(std::move(run));
    auto schema = configSchema.dump();
    orch_step_type_descriptor d{};
    d.struct_size = sizeof d;
    d.name = detail::view(name);
    d.description = detail::view(description);
    d.config_schema_json = detail::view(schema);
    d.on_execute = &Plugin::onExecuteStep;
    d.user_data = &entry;
    expectOk(host_.api().register_step_type(host_.raw(), &d), "step type " + std::string(name));
  }

  void frameworkAdapter(std::string_view framework, FrameworkAdapter adapter) {
    auto& entry = adapters_.emplace_back(std::move(adapter));
    orch_framework_adapter_descriptor d{};
    d.struct_size = sizeof d;
    d.framework = detail::view(framework);
    d.on_validate = &Plugin::onValidate;
    d.on_compile = &Plugin::onCompile;
    d.on_export = entry.exportGraph ? &Plugin::onExport : nullptr;
    d.user_data = &entry;
    expectOk(host_.api().register_framework_adapter(host_.raw(), &d), "framework " + std::string(framework));
  }

  void authenticator(std::function<AuthResult(const AuthRequest&)> authenticate) {
    authenticate_ = std::move(authenticate);
    orch_authenticator_descriptor d{};
    d.struct_size = sizeof d;
    d.on_authenticate = &Plugin::onAuthenticate;
    d.user_data = this;
    expectOk(host_.api().set_authenticator(host_.raw(), &d), "authenticator");
  }

  /// A schema migration; `sqlPostgreSQL`, when given, replaces `sql` there.
  void migration(std::int64_t version, std::string_view description, std::string_view sql,
                 std::string_view sqlPostgreSQL = {}) {
    orch_migration_descriptor d{};
    d.struct_size = sizeof d;
    d.version = version;
    d.description = detail::view(description);
    d.sql = detail::view(sql);
    d.sql_postgresql = detail::view(sqlPostgreSQL);
    expectOk(host_.api().register_migration(host_.raw(), &d), "migration " + std::to_string(version));
  }

  void service(std::string_view name, ServiceHandler handler) {
    auto& entry = services_.emplace_back(std::move(handler));
    orch_service_descriptor d{};
    d.struct_size = sizeof d;
    d.name = detail::view(name);
    d.on_call = &Plugin::onServiceCall;
    d.user_data = &entry;
    expectOk(host_.api().register_service(host_.raw(), &d), "service " + std::string(name));
  }

  /// Calls another plugin's service; throws with its message on failure.
  json callService(std::string_view name, std::string_view method, const json& request) const {
    detail::StringSink result, error;
    auto text = request.dump();
    Host::check(host_.api().service_call(host_.raw(), detail::view(name), detail::view(method), detail::view(text),
                                         result.get(), error.get()),
                error, "service " + std::string(name));
    return detail::parseOr(result.text, nullptr);
  }

  /// Every step type any plugin registered: [{name, description, config_schema, plugin}].
  json stepTypes() const {
    requireHost(&orch_host_api::step_types_list, "step_types_list");
    detail::StringSink list;
    host_.api().step_types_list(host_.raw(), list.get());
    return detail::parseOr(list.text, json::array());
  }

  /// One step type's description, or nullopt when no plugin registered it.
  std::optional<json> stepTypeDescription(std::string_view name) const {
    requireHost(&orch_host_api::step_type_describe, "step_type_describe");
    detail::StringSink description;
    if (host_.api().step_type_describe(host_.raw(), detail::view(name), description.get()) != ORCH_OK)
      return std::nullopt;
    return json::parse(description.text);
  }

  /// Runs a step type of any plugin; throws with the step's message when it fails.
  json runStep(std::string_view name, const StepContext& step) const {
    requireHost(&orch_host_api::step_type_execute, "step_type_execute");
    auto config = step.config.dump(), input = step.input.dump(), principal = step.principal.dump();
    orch_step_context context{};
    context.struct_size = sizeof context;
    context.config_json = detail::view(config);
    context.input_json = detail::view(input);
    context.execution_id = detail::view(step.executionId);
    context.step_id = detail::view(step.stepId);
    context.principal_json = detail::view(principal);
    detail::StringSink output, error;
    Host::check(host_.api().step_type_execute(host_.raw(), detail::view(name), &context, output.get(), error.get()),
                error, "step " + std::string(name));
    return detail::parseOr(output.text, nullptr);
  }

  void publish(std::string_view topic, const json& payload) const {
    auto text = payload.dump();
    host_.api().event_publish(host_.raw(), detail::view(topic), detail::view(text));
  }

  /// Subscribes to a topic or a prefix pattern ("execution_*").
  std::uint64_t subscribe(std::string_view pattern, EventHandler handler) {
    return subscribeText(pattern, [handler = std::move(handler)](const std::string& topic, std::string_view payload) {
      handler(topic, detail::parseOr(payload, nullptr));
    });
  }

  /// Like subscribe, for a subscriber that often has nothing to do with an
  /// event: it decides before paying for the parse. EventScope::AllHosts also
  /// receives the events of the other hosts sharing the database (ABI 1.4).
  std::uint64_t subscribeText(std::string_view pattern, EventTextHandler handler,
                              EventScope scope = EventScope::ThisHost) {
    if (scope == EventScope::AllHosts) requireHost(&orch_host_api::event_subscribe_with, "event_subscribe_with");
    auto& entry = events_.emplace_back(std::move(handler));
    if (scope == EventScope::AllHosts)
      return host_.api().event_subscribe_with(host_.raw(), detail::view(pattern), ORCH_EVENT_FROM_ALL_HOSTS,
                                              &Plugin::onEvent, &entry);
    return host_.api().event_subscribe(host_.raw(), detail::view(pattern), &Plugin::onEvent, &entry);
  }

  /// Runs `job` soon on a host worker thread.
  void submit(Job job) {
    auto* owned = new Job(std::move(job));
    if (host_.api().job_submit(host_.raw(), &Plugin::onOneShotJob, owned) != ORCH_OK) {
      delete owned;
      throw std::runtime_error("job_submit refused");
    }
  }

  /// Runs `job` after `delayMs`, then every `intervalMs` (> 0). Returns the timer id.
  std::uint64_t timer(std::uint64_t delayMs, std::uint64_t intervalMs, Job job) {
    auto& entry = jobs_.emplace_back(std::move(job));
    return host_.api().timer_start(host_.raw(), delayMs, intervalMs, &Plugin::onTimer, &entry);
  }
  void cancelTimer(std::uint64_t id) const { host_.api().timer_cancel(host_.raw(), id); }

  /// Runs once after migrations, before requests are served.
  void onStart(std::function<void()> hook) { start_ = std::move(hook); }
  /// Runs once at shutdown.
  void onShutdown(std::function<void()> hook) { shutdown_ = std::move(hook); }

  // ---- C thunks; exceptions stop here. ----

  static orch_status onRequest(void* user_data, const orch_request* raw, orch_response* response,
                               orch_sink* error_message) noexcept {
    auto* entry = static_cast<RouteEntry*>(user_data);
    const Host& host = entry->plugin->host_;
    try {
      Request request(host, *raw);
      Response out(host, response);
      entry->handler(request, out);
      return ORCH_OK;
    } catch (const HttpError& e) {
      auto details = e.details().is_null() ? std::string() : e.details().dump();
      host.api().response_error(response, e.status(), detail::view(e.code()), detail::view(std::string_view(e.what())),
                                detail::view(details));
      return ORCH_OK;
    } catch (const std::exception& e) {
      detail::write(error_message, e.what());
    } catch (...) {
      detail::write(error_message, "unknown exception");
    }
    return ORCH_ERROR;
  }

private:
  struct RouteEntry {
    Plugin* plugin;
    RouteHandler handler;
  };

  template <typename Member>
  void requireHost(Member orch_host_api::*member, const char* name) const {
    if (!host_.has(member)) throw std::runtime_error(std::string("the host is too old for ") + name);
  }

  void expectOk(orch_status status, const std::string& what) const {
    if (status == ORCH_OK) return;
    static constexpr const char* reasons[] = {"ok", "error", "not found", "invalid", "already registered by another plugin",
                                              "", "", "not allowed now"};
    auto reason = status >= 0 && status < 8 ? reasons[status] : "refused";
    throw std::runtime_error(what + ": " + reason);
  }

  template <typename Body>
  static orch_status guarded(orch_sink* error_message, Body&& body) noexcept {
    try {
      body();
      return ORCH_OK;
    } catch (const HttpError& e) {
      // Outside HTTP only the text survives: say which field and what is wrong.
      const auto& d = e.details();
      bool named = d.is_object() && d.contains("field") && d.contains("issue");
      detail::write(error_message, named ? d["field"].get<std::string>() + ": " + d["issue"].get<std::string>()
                                         : std::string(e.what()));
      return ORCH_INVALID;
    } catch (const std::exception& e) {
      detail::write(error_message, e.what());
    } catch (...) {
      detail::write(error_message, "unknown exception");
    }
    return ORCH_ERROR;
  }

  static orch_status onExecuteStep(void* user_data, const orch_step_context* c, orch_sink* output,
                                   orch_sink* error_message) noexcept {
    return guarded(error_message, [&] {
      StepContext context{detail::parseOr(detail::view(c->config_json), json::object()),
                          detail::parseOr(detail::view(c->input_json), json::object()),
                          std::string(detail::view(c->execution_id)), std::string(detail::view(c->step_id)),
                          detail::parseOr(detail::view(c->principal_json), nullptr)};
      detail::write(output, (*static_cast<StepHandler*>(user_data))(context).dump());
    });
  }

  static orch_status onValidate(void* user_data, orch_str definition, orch_sink* problem) noexcept {
    try {
      static_cast<FrameworkAdapter*>(user_data)->validate(json::parse(detail::view(definition)));
      return ORCH_OK;
    } catch (const HttpError& e) {
      detail::write(problem, e.details().is_null() ? json{{"field", ""}, {"issue", e.what()}}.dump() : e.details().dump());
    } catch (const std::exception& e) {
      detail::write(problem, json{{"field", ""}, {"issue", e.what()}}.dump());
    }
    return ORCH_INVALID;
  }

  static orch_status onCompile(void* user_data, orch_str definition, orch_sink* graph, orch_sink* error) noexcept {
    return guarded(error, [&] {
      detail::write(graph, static_cast<FrameworkAdapter*>(user_data)->compile(json::parse(detail::view(definition))).dump());
    });
  }

  static orch_status onExport(void* user_data, orch_str graph, orch_sink* definition, orch_sink* error) noexcept {
    return guarded(error, [&] {
      detail::write(definition,
                    static_cast<FrameworkAdapter*>(user_data)->exportGraph(json::parse(detail::view(graph))).dump());
    });
  }

  static orch_status onAuthenticate(void* user_data, const orch_auth_request* r, orch_sink* principal,
                                    orch_sink* error_message) noexcept {
    auto* self = static_cast<Plugin*>(user_data);
    try {
      AuthRequest request{detail::view(r->authorization), detail::view(r->api_key), detail::view(r->query_token),
                          detail::view(r->client_ip), detail::view(r->path)};
      auto result = self->authenticate_(request);
      switch (result.kind) {
      case AuthResult::Kind::Authenticated:
        detail::write(principal, result.principal.dump());
        return ORCH_OK;
      case AuthResult::Kind::NoCredentials:
        return ORCH_AUTH_NONE;
      case AuthResult::Kind::Denied:
        detail::write(error_message, result.message);
        return ORCH_AUTH_DENIED;
      }
    } catch (const std::exception& e) {
      detail::write(error_message, e.what());
    } catch (...) {
    }
    return ORCH_ERROR;
  }

  static orch_status onServiceCall(void* user_data, orch_str method, orch_str request, orch_sink* result,
                                   orch_sink* error) noexcept {
    return guarded(error, [&] {
      auto answer = (*static_cast<ServiceHandler*>(user_data))(std::string(detail::view(method)),
                                                               detail::parseOr(detail::view(request), nullptr));
      detail::write(result, answer.dump());
    });
  }

  static orch_status onWebSocketOpen(void* user_data, std::uint64_t connection, const orch_request* raw,
                                     orch_sink* error_message) noexcept {
    auto* entry = static_cast<WebSocketEntry*>(user_data);
    try {
      Request request(entry->plugin->host_, *raw);
      entry->handlers.open(connection, request);
      return ORCH_OK;
    } catch (const std::exception& e) {
      detail::write(error_message, e.what());
    } catch (...) {
      detail::write(error_message, "refused");
    }
    return ORCH_ERROR;
  }

  static void onWebSocketMessage(void* user_data, std::uint64_t connection, orch_str text) noexcept {
    auto* entry = static_cast<WebSocketEntry*>(user_data);
    try {
      if (entry->handlers.message) entry->handlers.message(connection, detail::view(text));
    } catch (...) {
      // One bad message must not take the reactor down.
    }
  }

  static void onWebSocketClose(void* user_data, std::uint64_t connection) noexcept {
    auto* entry = static_cast<WebSocketEntry*>(user_data);
    try {
      if (entry->handlers.close) entry->handlers.close(connection);
    } catch (...) {
    }
  }

  static void onEvent(void* user_data, orch_str topic, orch_str payload) noexcept {
    try {
      (*static_cast<EventTextHandler*>(user_data))(std::string(detail::view(topic)), detail::view(payload));
    } catch (...) {
      // An event handler's failure must not stop delivery to the others.
    }
  }

  static void onTimer(void* user_data) noexcept {
    try {
      (*static_cast<Job*>(user_data))();
    } catch (...) {
    }
  }

  static void onOneShotJob(void* user_data) noexcept {
    std::unique_ptr<Job> job(static_cast<Job*>(user_data));
    try {
      (*job)();
    } catch (...) {
    }
  }

public:
  // Used by ORCH_PLUGIN; not for plugin code.
  static orch_status start(void* state, orch_sink* error) noexcept {
    auto* self = static_cast<Plugin*>(state);
    return guarded(error, [&] {
      if (self->start_) self->start_();
    });
  }
  static void shutdown(void* state) noexcept {
    std::unique_ptr<Plugin> self(static_cast<Plugin*>(state));
    try {
      if (self->shutdown_) self->shutdown_();
    } catch (...) {
    }
  }
  template <void (*Init)(Plugin&)>
  static orch_status init(orch_host* host, const orch_host_api* api, void** state, orch_sink* error) noexcept {
    auto plugin = std::make_unique<Plugin>(host, api);
    auto status = guarded(error, [&] { Init(*plugin); });
    if (status == ORCH_OK) *state = plugin.release();
    return status;
  }

private:
  Host host_;
  Database db_;
  // deques keep element addresses stable; the host holds pointers to them.
  std::deque<RouteEntry> routes_;
  struct WebSocketEntry {
    Plugin* plugin;
    WebSocketHandlers handlers;
  };
  std::deque<WebSocketEntry> websockets_;
  std::deque<StepHandler> steps_;
  std::deque<FrameworkAdapter> adapters_;
  std::deque<ServiceHandler> services_;
  std::deque<EventTextHandler> events_;
  std::deque<Job> jobs_;
  std::function<AuthResult(const AuthRequest&)> authenticate_;
  std::function<void()> start_, shutdown_;
};

} // namespace orch

/// Declares the plugin: its name (the file's stem), version, description and
/// init function `void init(orch::Plugin&)`. Use once per plugin.
#define ORCH_PLUGIN(NAME, VERSION, DESCRIPTION, INIT_FUNCTION)                                               \
  extern "C" ORCH_EXPORT orch_status orch_plugin_entry(orch_negotiation* negotiation) {                     \
    static const orch_plugin_descriptor descriptor = {sizeof(orch_plugin_descriptor),                         \
                                                      NAME,                                                   \
                                                      VERSION,                                                \
                                                      DESCRIPTION,                                            \
                                                      &::orch::Plugin::init<INIT_FUNCTION>,                   \
                                                      &::orch::Plugin::start,                                 \
                                                      &::orch::Plugin::shutdown};                             \
    negotiation->plugin_abi_major = ORCH_ABI_MAJOR;                                                           \
    negotiation->plugin_abi_minor = ORCH_ABI_MINOR;                                                           \
    negotiation->descriptor = &descriptor;                                                                    \
    return ORCH_OK;                                                                                           \
  }
