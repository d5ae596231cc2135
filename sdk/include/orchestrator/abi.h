/*
 * Orchestrator plugin ABI, version 1.7 (ORCH_ABI_MAJOR.ORCH_ABI_MINOR below).
 *
 * This file is the single source of truth for the contract between the
 * `orchestrator` host and its plugins. It is plain C99 so that a plugin can be
 * written with any compiler and any C++ standard library.
 *
 * Evolution (after SQLite's sqlite3ext.h and OBS's obs-module.h):
 *  - The major version changes only when something is removed or changes
 *    meaning; the host refuses a plugin whose major differs from its own.
 *  - The minor version grows when something is appended: a function at the end
 *    of orch_host_api, or a field at the end of a descriptor. The host refuses a
 *    plugin built against a newer minor than its own, because such a plugin
 *    may call functions the host does not have.
 *  - Every struct that crosses the boundary starts with `struct_size`. The
 *    receiver copies min(struct_size, sizeof) into a zeroed struct of its own,
 *    so a field an older peer does not know reads as 0 (never a meaningful
 *    value: 0 always means "absent" or "default").
 *
 * Memory (after Envoy's dynamic-modules abi.h):
 *  - Text crosses as UTF-8 in orch_str views {ptr, len}; ptr need not be NUL
 *    terminated. JSON is passed as text.
 *  - Inputs are borrowed: a view the host passes to a plugin hook is valid only
 *    for the duration of that call, and vice versa, unless documented otherwise.
 *  - Outputs are written into sinks (orch_sink) owned by the receiver of the
 *    data: the callee calls sink->write, which runs the owner's code with the
 *    owner's allocator, so no allocator ever crosses the boundary.
 *  - Exceptions, C++ types and longjmp never cross the boundary: every hook
 *    returns an orch_status.
 *
 * Naming: plugin hooks are `on_*`; host callbacks are named by what they do.
 *
 * Threading: unless documented otherwise, host functions are thread-safe and
 * plugin hooks may be called from several host threads at once.
 */
#ifndef ORCHESTRATOR_ABI_H
#define ORCHESTRATOR_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ORCH_ABI_MAJOR 1
#define ORCH_ABI_MINOR 7

/* The one symbol a plugin exports. Its type is orch_plugin_entry_fn. */
#define ORCH_PLUGIN_ENTRY_SYMBOL "orch_plugin_entry"

#if defined(_WIN32)
#define ORCH_EXPORT __declspec(dllexport)
#else
#define ORCH_EXPORT __attribute__((visibility("default")))
#endif

/* ---------------------------------------------------------------- basics */

/** Result of every hook and of host functions that can fail. */
typedef int32_t orch_status;
#define ORCH_OK 0
/** Generic failure; a message is usually written to an error sink. */
#define ORCH_ERROR 1
/** The thing asked for does not exist (config key, service, row, timer). */
#define ORCH_NOT_FOUND 2
/** Arguments were invalid (bad JSON, bad path template, ...). */
#define ORCH_INVALID 3
/** Something with that name is already registered by another plugin. */
#define ORCH_CONFLICT 4
/** The authenticator found no credentials in the request. */
#define ORCH_AUTH_NONE 5
/** The authenticator found credentials and rejected them (401). */
#define ORCH_AUTH_DENIED 6
/** The call was made at a time it is not allowed (e.g. registering a route
 *  after on_init returned). */
#define ORCH_WRONG_PHASE 7

/** A borrowed UTF-8 view. ptr may be NULL when len is 0. */
typedef struct orch_str {
  const char* ptr;
  size_t len;
} orch_str;

/** An output buffer owned by whoever receives the data. The owner embeds it
 *  as the first member of its own buffer type and sets `write`; the writer
 *  calls sink->write (or orch_host_api.sink_write) any number of times, each
 *  appending. Valid for the duration of the call it was passed to; never keep
 *  it. */
typedef struct orch_sink {
  void (*write)(struct orch_sink* self, const char* ptr, size_t len);
} orch_sink;

/** The host's per-plugin handle. Passed to on_init; valid until on_shutdown
 *  returns. Every host function takes it so the host knows who is calling. */
typedef struct orch_host orch_host;

/** An in-flight HTTP response. Opaque; valid only during on_request. */
typedef struct orch_response orch_response;

/** An open database transaction. Opaque; see sql_begin. */
typedef struct orch_txn orch_txn;

/* Log levels, as syslog orders them. */
#define ORCH_LOG_ERROR 3
#define ORCH_LOG_WARNING 4
#define ORCH_LOG_INFO 6
#define ORCH_LOG_DEBUG 7

/* ---------------------------------------------------------------- routes */

/** Route flags (bit set). */
/** No authentication: anyone may call it (login, health). */
#define ORCH_ROUTE_PUBLIC 0x1u
/** Also accepts application/x-www-form-urlencoded bodies (passed raw). */
#define ORCH_ROUTE_ACCEPTS_FORM 0x2u
/** Any content type; the host neither checks nor parses the body. */
#define ORCH_ROUTE_RAW_BODY 0x4u
/** Also served at the root, without an API prefix ("/ws/executions" as well
 *  as "/api/v1/ws/executions"). Added in ABI 1.3. */
#define ORCH_ROUTE_AT_ROOT 0x8u
/** Served at exactly its template and under no API prefix: for a path a
 *  client calls as it is ("/api/ws/{user_id}"). Where such a route and an
 *  API-prefixed one both fit a request, this one answers. Added in ABI 1.5. */
#define ORCH_ROUTE_EXACT_PATH 0x10u
/** Served on the host's Unix socket (server.unix_socket) and only there: the
 *  link of deployed agents' workers, not rate-limited (each worker is bounded
 *  by its own concurrency). Nothing else is served on that socket. Added in
 *  ABI 1.7. */
#define ORCH_ROUTE_LINK 0x20u

/** One HTTP request as the host hands it to a route handler. Every view is
 *  borrowed for the duration of on_request. */
typedef struct orch_request {
  size_t struct_size;
  orch_str method;         /**< "GET", "POST", ... */
  orch_str path;           /**< path after the API prefix, e.g. "/workflows/42" */
  orch_str route_template; /**< as registered, e.g. "/workflows/{id}" */
  orch_str query;          /**< raw query string without '?', percent-encoded */
  orch_str params_json;    /**< path parameters: {"id":"42"} */
  orch_str body;           /**< raw body; valid JSON unless the route is
                                RAW_BODY or the body is a form */
  orch_str content_type;   /**< media type without parameters, lower case */
  orch_str principal_json; /**< the authenticated principal as the
                                authenticator returned it, or empty */
  orch_str request_id;     /**< X-Request-ID of this request */
  orch_str client_ip;      /**< peer address */
  /** Opaque handle for orch_host_api.request_header. */
  const void* header_source;
  /* --- Added in ABI 1.6. */
  /** The API prefix the client called: "/api/v1", "/api" or "/v1"; empty for
   *  a route reached without one (root and exact-path routes). Lets a route
   *  answer the shape the clients of that prefix expect (a bare array under
   *  "/api" for seed 003's client). */
  orch_str api_prefix;
} orch_request;

/** A route handler. Write the answer with the response_* host functions.
 *  Return ORCH_OK when a response was produced (including an error answer made
 *  with response_error). Any other status is an unexpected failure: the host
 *  logs `error_message` (if written) and answers 500 INTERNAL_ERROR without
 *  leaking it. Called concurrently from HTTP worker threads. */
typedef orch_status (*orch_on_request_fn)(void* user_data, const orch_request* request,
                                          orch_response* response, orch_sink* error_message);

/** What a plugin registers for one route. Borrowed during register_route;
 *  the host copies what it keeps. */
typedef struct orch_route_descriptor {
  size_t struct_size;
  orch_str method;        /**< "GET", "POST", "PUT", "PATCH", "DELETE" */
  orch_str path_template; /**< "/workflows/{id}", without any API prefix */
  orch_str permission;    /**< e.g. "workflow:read"; empty: any authenticated
                               principal (ignored when PUBLIC) */
  orch_str category;      /**< rate-limit category; empty means "default" */
  orch_str summary;       /**< one line for /openapi.json */
  orch_str openapi_json;  /**< optional OpenAPI operation object fragment,
                               merged into the generated operation */
  uint32_t flags;         /**< ORCH_ROUTE_* */
  orch_on_request_fn on_request;
  void* user_data;        /**< passed back to on_request; owned by the plugin,
                               must live until on_shutdown */
} orch_route_descriptor;

/* ------------------------------------------------------------ step types */

/** Context for one run of a step. Views borrowed for the call. */
typedef struct orch_step_context {
  size_t struct_size;
  orch_str config_json;    /**< the step's config, templates already filled */
  orch_str input_json;     /**< what templates read: the execution's input,
                                "steps": {<id>: {output, status}} of every
                                completed step, and "execution": {id,
                                workflow_id, correlation_id} */
  orch_str execution_id;
  orch_str step_id;
  orch_str principal_json; /**< who started the execution */
} orch_step_context;

/** Runs a step: write the output JSON to `output`; on failure return
 *  ORCH_ERROR (or ORCH_INVALID) and write a message to `error_message`. Every
 *  failure fails the attempt, which the engine retries as the step's
 *  retry_count says. A step runs at least once per attempt: the same
 *  execution_id and step_id may run again after a crash or a timeout (the
 *  call is not interrupted; its late answer is dropped). sdk/README.md,
 *  "Writing a step type", says all a step author must know. Called from worker
 *  threads, possibly concurrently. A crash on the calling thread (SIGSEGV,
 *  SIGBUS, SIGFPE, SIGILL, SIGABRT, stack overflow) fails the step instead of
 *  the host; the host then calls none of the plugin's step types again until
 *  it restarts, since the plugin's state may be broken. Threads the plugin
 *  starts itself have no such guard. */
typedef orch_status (*orch_on_execute_step_fn)(void* user_data, const orch_step_context* context,
                                               orch_sink* output, orch_sink* error_message);

/** A workflow step type. Borrowed during register_step_type. */
typedef struct orch_step_type_descriptor {
  size_t struct_size;
  orch_str name;               /**< unique across plugins, e.g. "ai_prompt" */
  orch_str description;
  orch_str config_schema_json; /**< JSON Schema (draft 7) of the step config */
  orch_on_execute_step_fn on_execute;
  void* user_data;
  uint32_t flags; /**< ORCH_STEP_*; added in ABI 1.5 */
} orch_step_type_descriptor;

/** Step flag: the step only computes its output from its config and input
 *  (no I/O, no clock, no randomness, nothing outside sees it run). The engine
 *  may run it at once on outputs that are still being committed, on the
 *  worker at hand, and runs it again without harm after a crash. Added in
 *  ABI 1.5. */
#define ORCH_STEP_PURE 0x1u
/** Step flag: the step only starts or waits for other work (a wait, a
 *  branch, a child workflow, a model's turn), so it runs in the host even
 *  when its execution is a deployed agent's, whose other steps run in the
 *  agent's own worker. An older host ignores it and runs the step in the
 *  worker. Added in ABI 1.7. */
#define ORCH_STEP_HOST_ONLY 0x2u

/* ----------------------------------------------- agent-framework adapters */

/** Checks a framework definition. Return ORCH_OK, or ORCH_INVALID with a
 *  JSON object {"field","issue"} written to `problem_json`. */
typedef orch_status (*orch_on_validate_definition_fn)(void* user_data, orch_str definition_json,
                                                      orch_sink* problem_json);
/** Turns a framework definition into a workflow graph {"nodes","edges"}. */
typedef orch_status (*orch_on_compile_definition_fn)(void* user_data, orch_str definition_json,
                                                     orch_sink* graph_json, orch_sink* error_message);
/** Turns a workflow graph back into the framework's own format. */
typedef orch_status (*orch_on_export_definition_fn)(void* user_data, orch_str graph_json,
                                                    orch_sink* definition_json, orch_sink* error_message);

/** An agent-framework adapter (langgraph, crewai, n8n, agno, ...). */
typedef struct orch_framework_adapter_descriptor {
  size_t struct_size;
  orch_str framework; /**< unique across plugins */
  orch_on_validate_definition_fn on_validate;
  orch_on_compile_definition_fn on_compile;
  orch_on_export_definition_fn on_export; /**< may be NULL */
  void* user_data;
} orch_framework_adapter_descriptor;

/* --------------------------------------------------------- authenticator */

/** What the authenticator sees of a request. Views borrowed for the call. */
typedef struct orch_auth_request {
  size_t struct_size;
  orch_str authorization; /**< Authorization header, or empty */
  orch_str api_key;       /**< X-API-KEY header, or empty */
  orch_str query_token;   /**< ?token= query parameter (WebSockets), or empty */
  orch_str client_ip;
  orch_str path;
} orch_auth_request;

/** Turns credentials into a principal. On success write a JSON object to
 *  `principal_json` with at least "id" (string) and "permissions" (array of
 *  strings; "admin:*" or "*" grant everything, "workflow:*" grants every
 *  workflow permission) and optionally "roles" (array) and "organization_ids".
 *  Return ORCH_AUTH_NONE when the request carries no credentials, and
 *  ORCH_AUTH_DENIED with a message in `error_message` when they are invalid.
 *  Called concurrently on every non-public request: keep it fast. */
typedef orch_status (*orch_on_authenticate_fn)(void* user_data, const orch_auth_request* request,
                                               orch_sink* principal_json, orch_sink* error_message);

typedef struct orch_authenticator_descriptor {
  size_t struct_size;
  orch_on_authenticate_fn on_authenticate;
  void* user_data;
} orch_authenticator_descriptor;

/* ------------------------------------------------------------ migrations */

/** One schema migration of the calling plugin. Migrations of a plugin are
 *  applied in ascending `version` order, each once, in a transaction, after
 *  every plugin's on_init and before the server accepts requests. */
typedef struct orch_migration_descriptor {
  size_t struct_size;
  int64_t version;     /**< > 0, unique within the plugin */
  orch_str description;
  orch_str sql;        /**< portable SQL; several statements separated by ';' */
  orch_str sql_postgresql; /**< optional: replaces `sql` on PostgreSQL */
} orch_migration_descriptor;

/* -------------------------------------------------------------- settings */
/* Added in ABI 1.5. A plugin declares every setting it reads (after Fluent
 * Bit's config_map): the host checks the configured value when it is
 * declared, answers the default from config_get when it is unset, and shows
 * each declaration and value in GET /api/v1/plugins. A bad value stops the
 * host from starting (exit 78), the message naming the key. */

#define ORCH_SETTING_TEXT 1
/** A whole number (int64), within `minimum`..`maximum` when given. */
#define ORCH_SETTING_INTEGER 2
/** A decimal number, within `minimum`..`maximum` when given. */
#define ORCH_SETTING_NUMBER 3
/** true, yes, on, 1 or false, no, off, 0, in any case. */
#define ORCH_SETTING_BOOLEAN 4
/** A comma-separated list; blanks around items and empty items are dropped. */
#define ORCH_SETTING_LIST 5

/** Setting flag: a secret (a key, a password). GET /api/v1/plugins says only
 *  whether it is set, never the value. */
#define ORCH_SETTING_SECRET 0x1u

/** One setting. Borrowed during register_setting. Texts are as they would
 *  stand in the config file; an empty text means "none". */
typedef struct orch_setting_descriptor {
  size_t struct_size;
  /** The full key, "ai.max_attempts". A segment "*" stands for any one name
   *  ("ai.providers.*.api_key"): every configured key of that shape is
   *  checked, and config_get gives no default for such keys. */
  orch_str key;
  int32_t type;           /**< ORCH_SETTING_* */
  orch_str default_value; /**< the value when unset; empty: no value */
  orch_str description;   /**< one line, for GET /api/v1/plugins and the README */
  orch_str minimum;       /**< INTEGER and NUMBER: the least value allowed; empty: none */
  orch_str maximum;       /**< INTEGER and NUMBER: the greatest value allowed; empty: none */
  orch_str choices;       /**< TEXT: the values allowed, comma-separated; empty: any */
  uint32_t flags;         /**< ORCH_SETTING_* flags */
} orch_setting_descriptor;

/* ------------------------------------------------- events, services, jobs */

/** Receives an event. `topic` and `payload_json` are borrowed for the call.
 *  Called from the host's event thread, one event at a time, in publish
 *  order. */
typedef void (*orch_on_event_fn)(void* user_data, orch_str topic, orch_str payload_json);

/** Serves a call to a named service. Write the result JSON to `result_json`,
 *  or return non-OK with a message in `error_message`. Called on the caller's
 *  thread, possibly concurrently. */
typedef orch_status (*orch_on_service_call_fn)(void* user_data, orch_str method, orch_str request_json,
                                               orch_sink* result_json, orch_sink* error_message);

typedef struct orch_service_descriptor {
  size_t struct_size;
  orch_str name; /**< unique across plugins, e.g. "ai.router" */
  orch_on_service_call_fn on_call;
  void* user_data;
} orch_service_descriptor;

/** A job or timer callback, run on a host worker thread. */
typedef void (*orch_on_job_fn)(void* user_data);

/* ------------------------------------------------------------ WebSockets */
/* Added in ABI 1.3. The host does the upgrade, the framing, ping/pong,
 * frame-size and queue limits and the per-user connection limit; after the
 * upgrade a connection is served by the host's reactor thread, not by an HTTP
 * worker. A connection is a number, unique for the life of the process.
 *
 * Threads: the reactor never calls a plugin. After the upgrade on_open (for a
 * first-message authentication), on_message and on_close run on the host's
 * WebSocket workers (`websocket.workers`), one call at a time per connection,
 * in the order the client sent, on_close last. Calls for different
 * connections may run at the same time. */

/** WebSocket route flag: when the upgrade request carries no credentials, the
 *  client authenticates with its first message, {"type":"auth","token":"<access
 *  token or API key>"}; the host closes with 1008 and the reason when that
 *  message is missing, wrong or later than `websocket.auth_timeout` seconds.
 *  Without this flag a request without credentials is answered 401. */
#define ORCH_WEBSOCKET_FIRST_MESSAGE_AUTH 0x100u

/** A client is authenticated and asks to open. `request` is as for
 *  on_request, except that `path` is the whole request path, API prefix
 *  included, and the body is empty. Return ORCH_OK to accept; anything else
 *  refuses with `error_message` as the reason (403 FORBIDDEN before the
 *  upgrade; close code 1008 after a first-message authentication).
 *  websocket_send may be called from here: what it queues follows the
 *  upgrade. Called on the HTTP worker of the upgrade request, or on a
 *  WebSocket worker after a first-message authentication. */
typedef orch_status (*orch_on_websocket_open_fn)(void* user_data, uint64_t connection, const orch_request* request,
                                                 orch_sink* error_message);
/** A text message from the client; `text` is borrowed for the call. Called
 *  on a WebSocket worker, one message at a time per connection. Messages
 *  waiting for it are bounded by `websocket.max_queued_bytes`: the host stops
 *  reading a client that sends faster than its plugin handles until the
 *  plugin catches up. */
typedef void (*orch_on_websocket_message_fn)(void* user_data, uint64_t connection, orch_str text);
/** The connection is gone (closed by either side, dropped as too slow, or
 *  at shutdown). Called once for each connection that was accepted, on a
 *  WebSocket worker, after every message that arrived before the close;
 *  websocket_send already answers ORCH_NOT_FOUND. */
typedef void (*orch_on_websocket_close_fn)(void* user_data, uint64_t connection);

/** A WebSocket route. Borrowed during register_websocket_route. */
typedef struct orch_websocket_route_descriptor {
  size_t struct_size;
  orch_str path_template; /**< as for routes: "/ws/{client_id}" */
  orch_str permission;    /**< needed to open; empty: any authenticated principal */
  orch_str summary;       /**< one line for /openapi.json */
  uint32_t flags;         /**< ORCH_ROUTE_AT_ROOT, ORCH_WEBSOCKET_FIRST_MESSAGE_AUTH */
  orch_on_websocket_open_fn on_open;
  orch_on_websocket_message_fn on_message; /**< may be NULL: messages are ignored */
  orch_on_websocket_close_fn on_close;     /**< may be NULL */
  void* user_data; /**< owned by the plugin, must live until on_shutdown */
} orch_websocket_route_descriptor;

/* ------------------------------------------------------- host functions */

/** The table of host functions, handed to the plugin's on_init. Valid until
 *  on_shutdown returns. Entries are only ever appended. A plugin runs only on
 *  a host whose minor is at least the one it was built with (the host refuses
 *  it otherwise), so every entry of the header it was built with is there. */
typedef struct orch_host_api {
  size_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;

  /** Appends bytes to a sink: the same as sink->write(sink, ptr, len). */
  void (*sink_write)(orch_sink* sink, const char* ptr, size_t len);

  /** Writes one log line, prefixed with the plugin's name. */
  void (*log)(orch_host* host, int32_t level, orch_str message);

  /** Looks up a configuration value by its full key (e.g. "smtp.host"),
   *  after environment and command-line overrides. Writes the value to
   *  `value` and returns ORCH_OK, or returns ORCH_NOT_FOUND. */
  orch_status (*config_get)(orch_host* host, orch_str key, orch_sink* value);

  /** Registers a route. Only during on_init. ORCH_CONFLICT when another plugin
   *  already registered the same method and template (the plugin is then
   *  refused); ORCH_INVALID for a malformed template or method. */
  orch_status (*register_route)(orch_host* host, const orch_route_descriptor* route);

  /** Registers a workflow step type. Only during on_init. ORCH_CONFLICT when
   *  the name is taken; ORCH_INVALID when the schema is not JSON. */
  orch_status (*register_step_type)(orch_host* host, const orch_step_type_descriptor* step_type);

  /** Registers an agent-framework adapter. Only during on_init. */
  orch_status (*register_framework_adapter)(orch_host* host,
                                            const orch_framework_adapter_descriptor* adapter);

  /** Installs the authenticator. Only during on_init; one per host
   *  (ORCH_CONFLICT otherwise). */
  orch_status (*set_authenticator)(orch_host* host, const orch_authenticator_descriptor* authenticator);

  /** Registers a migration of the calling plugin. Only during on_init. */
  orch_status (*register_migration)(orch_host* host, const orch_migration_descriptor* migration);

  /** Runs one SQL statement with `?` placeholders. `params_json` is a JSON
   *  array of values (string, number, boolean, null; objects and arrays are
   *  bound as their JSON text). Rows are written to `rows_json` as a JSON
   *  array of objects keyed by column name. `txn` is NULL for autocommit, or a
   *  transaction from sql_begin used by this thread. Returns ORCH_ERROR with a
   *  message on a database error. Not before migrations have run (i.e. not in
   *  on_init). */
  orch_status (*sql_query)(orch_host* host, orch_txn* txn, orch_str sql, orch_str params_json,
                           orch_sink* rows_json, orch_sink* error_message);

  /** Runs one statement that returns no rows; writes {"affected_rows":N}. */
  orch_status (*sql_execute)(orch_host* host, orch_txn* txn, orch_str sql, orch_str params_json,
                             orch_sink* result_json, orch_sink* error_message);

  /** Starts a transaction on a pooled connection. The handle belongs to the
   *  plugin until it passes it to sql_commit or sql_rollback, which always
   *  release it (also when they fail). Use it from one thread at a time. */
  orch_status (*sql_begin)(orch_host* host, orch_txn** txn, orch_sink* error_message);
  orch_status (*sql_commit)(orch_host* host, orch_txn* txn, orch_sink* error_message);
  orch_status (*sql_rollback)(orch_host* host, orch_txn* txn);

  /** Writes "sqlite" or "postgresql". */
  void (*sql_backend)(orch_host* host, orch_sink* name);

  /** Publishes an event to every subscriber of the topic. Asynchronous: the
   *  call returns before subscribers run. */
  void (*event_publish)(orch_host* host, orch_str topic, orch_str payload_json);

  /** Subscribes to a topic ("execution_completed") or a prefix pattern
   *  ("execution_*", "*"). `user_data` must live until on_shutdown. Returns a
   *  subscription id > 0, or 0 on failure. */
  uint64_t (*event_subscribe)(orch_host* host, orch_str topic_pattern, orch_on_event_fn on_event,
                              void* user_data);
  void (*event_unsubscribe)(orch_host* host, uint64_t subscription_id);

  /** Exposes a named service to other plugins. Only during on_init. */
  orch_status (*register_service)(orch_host* host, const orch_service_descriptor* service);

  /** Calls a named service of any plugin, synchronously. ORCH_NOT_FOUND when
   *  no plugin serves that name. */
  orch_status (*service_call)(orch_host* host, orch_str name, orch_str method, orch_str request_json,
                              orch_sink* result_json, orch_sink* error_message);

  /** Runs `on_job(user_data)` once, soon, on a host worker thread. */
  orch_status (*job_submit)(orch_host* host, orch_on_job_fn on_job, void* user_data);

  /** Runs `on_job(user_data)` after `delay_ms`, then every `interval_ms` when
   *  interval_ms > 0. Returns a timer id > 0. Timers stop before on_shutdown
   *  is called. */
  uint64_t (*timer_start)(orch_host* host, uint64_t delay_ms, uint64_t interval_ms, orch_on_job_fn on_job,
                          void* user_data);
  /** Stops a timer; a run already under way finishes. */
  void (*timer_cancel)(orch_host* host, uint64_t timer_id);

  /* --- HTTP responses (valid only inside on_request) --- */

  /** Reads one request header (case-insensitive name). ORCH_NOT_FOUND when
   *  absent. `header_source` is orch_request.header_source. */
  orch_status (*request_header)(const void* header_source, orch_str name, orch_sink* value);
  void (*response_set_status)(orch_response* response, int32_t status);
  /** Sets a header; Content-Type defaults to application/json. */
  void (*response_set_header)(orch_response* response, orch_str name, orch_str value);
  /** Appends to the response body. */
  void (*response_write)(orch_response* response, const char* ptr, size_t len);
  /** Replaces the status and body with the standard error envelope (headers
   *  set before stay, e.g. Retry-After):
   *  {"error":{"code","message","details","timestamp","request_id",...},
   *   "detail": message}. `details_json` may be empty. */
  void (*response_error)(orch_response* response, int32_t status, orch_str code, orch_str message,
                         orch_str details_json);

  /* --- Added in ABI 1.1: the step-type registry, for the workflow engine
   *     (a plugin) to validate and run step types other plugins registered. --- */

  /** Describes a registered step type of any plugin: writes
   *  {"name","description","config_schema","plugin","pure","host_only"}. ORCH_NOT_FOUND when no
   *  loaded plugin registered that name. */
  orch_status (*step_type_describe)(orch_host* host, orch_str name, orch_sink* description_json);
  /** Writes a JSON array of every registered step type's description, sorted
   *  by name. */
  void (*step_types_list)(orch_host* host, orch_sink* list_json);
  /** Runs a registered step type synchronously on the calling thread, as its
   *  on_execute would be called. ORCH_NOT_FOUND when the name is unknown;
   *  otherwise the step's own status, output and message, or ORCH_ERROR with
   *  a message naming the signal when the step crashed (see
   *  orch_on_execute_step_fn). `context` is borrowed for the call. */
  orch_status (*step_type_execute)(orch_host* host, orch_str name, const orch_step_context* context,
                                   orch_sink* output_json, orch_sink* error_message);

  /* --- Added in ABI 1.2: streamed responses (Server-Sent Events, long
   *     downloads). --- */

  /** Sends bytes to the client now, inside on_request. The first call sends
   *  the status and headers set so far, with chunked transfer encoding; each
   *  call then sends `ptr` as one chunk and flushes it. After the first call
   *  the status and headers are final and response_write and response_error
   *  have no effect; the response ends when on_request returns. Returns
   *  ORCH_ERROR once the client has gone away (stop producing then). */
  orch_status (*response_stream)(orch_response* response, const char* ptr, size_t len);

  /* --- Added in ABI 1.3: WebSockets. --- */

  /** Registers a WebSocket route (GET with an upgrade). Only during on_init.
   *  ORCH_CONFLICT when a route of that shape is taken. */
  orch_status (*register_websocket_route)(orch_host* host, const orch_websocket_route_descriptor* route);
  /** Queues a text message for a connection and returns at once; the reactor
   *  sends it. ORCH_NOT_FOUND when the connection is gone. When the client
   *  reads too slowly and its queue passes `websocket.max_queued_bytes`, the
   *  host drops it (on_close follows) and answers ORCH_ERROR. Any thread. */
  orch_status (*websocket_send)(orch_host* host, uint64_t connection, orch_str text);
  /** Closes a connection with a close code (1000 normal, 1008 policy, ...)
   *  and a reason of at most 123 bytes; on_close follows. Any thread. */
  void (*websocket_close)(orch_host* host, uint64_t connection, int32_t code, orch_str reason);

  /* --- Added in ABI 1.4: events from every host. --- */

  /** Like event_subscribe, with ORCH_EVENT_* flags. (Named
   *  event_subscribe_with in the headers of ABI 1.4; the same entry.) */
  uint64_t (*event_subscribe_with_flags)(orch_host* host, orch_str topic_pattern, uint32_t flags,
                                         orch_on_event_fn on_event, void* user_data);

  /* --- Added in ABI 1.5: declared settings, and framework adapters that
   *     other plugins (the agents plugin) call. --- */

  /** Declares a setting of the calling plugin and checks its configured
   *  value. Only during on_init. ORCH_INVALID with the reason in
   *  `error_message` when the declaration is malformed or the configured
   *  value does not fit it; the host then refuses to start (exit 78).
   *  ORCH_CONFLICT when another plugin declared the same key. */
  orch_status (*register_setting)(orch_host* host, const orch_setting_descriptor* setting,
                                  orch_sink* error_message);

  /** Writes a JSON array of the registered framework adapters, sorted by
   *  name: [{"framework","plugin","exports"}] ("exports": whether it has
   *  on_export). */
  void (*framework_adapters_list)(orch_host* host, orch_sink* list_json);
  /** Runs a registered adapter's on_validate on the calling thread.
   *  ORCH_NOT_FOUND, with {"field":"framework","issue"} in `problem_json`,
   *  when no plugin registered `framework`; otherwise the adapter's own
   *  answer. The adapter hooks of all three calls run under the same crash
   *  guard as step types. */
  orch_status (*framework_validate)(orch_host* host, orch_str framework, orch_str definition_json,
                                    orch_sink* problem_json);
  /** Runs a registered adapter's on_compile. ORCH_NOT_FOUND when unknown. */
  orch_status (*framework_compile)(orch_host* host, orch_str framework, orch_str definition_json,
                                   orch_sink* graph_json, orch_sink* error_message);
  /** Runs a registered adapter's on_export. ORCH_NOT_FOUND when unknown or
   *  when the adapter cannot export. */
  orch_status (*framework_export)(orch_host* host, orch_str framework, orch_str graph_json,
                                  orch_sink* definition_json, orch_sink* error_message);
} orch_host_api;

/** event_subscribe_with_flags flag: also deliver the events published by the other
 *  hosts that share this host's PostgreSQL database (LISTEN/NOTIFY). Without
 *  it a subscriber sees only its own host's events, so a subscriber with side
 *  effects (a webhook delivery) acts once per event, not once per host. Only
 *  events whose payload is under 7,000 bytes cross hosts. */
#define ORCH_EVENT_FROM_ALL_HOSTS 0x1u

/* ------------------------------------------------------ the entry point */

/** Called once after every plugin's migrations have run, before the server
 *  accepts requests: the place to start timers or read the database. */
typedef orch_status (*orch_on_start_fn)(void* plugin_state, orch_sink* error_message);

/** Called once at shutdown, after the server stopped accepting requests and
 *  the plugin's timers stopped. Release everything. */
typedef void (*orch_on_shutdown_fn)(void* plugin_state);

/** Registers what the plugin offers. `host` and `api` live until on_shutdown
 *  returns. Set *plugin_state to anything the plugin needs back later. Return
 *  non-OK with a message to be refused; the host then drops everything this
 *  plugin registered and never calls it again. */
typedef orch_status (*orch_on_init_fn)(orch_host* host, const orch_host_api* api, void** plugin_state,
                                       orch_sink* error_message);

/** What a plugin is. Static storage in the plugin; must live as long as the
 *  library is loaded. */
typedef struct orch_plugin_descriptor {
  size_t struct_size;
  const char* name;        /**< NUL-terminated; the file's stem, e.g. "auth" */
  const char* version;     /**< the plugin's own semantic version */
  const char* description;
  orch_on_init_fn on_init;
  orch_on_start_fn on_start;       /**< may be NULL */
  orch_on_shutdown_fn on_shutdown; /**< may be NULL */
} orch_plugin_descriptor;

/** Version negotiation, one in/out struct (after the Vulkan loader). */
typedef struct orch_negotiation {
  size_t struct_size;
  uint32_t host_abi_major;   /**< in */
  uint32_t host_abi_minor;   /**< in */
  uint32_t plugin_abi_major; /**< out: the ABI the plugin was built against */
  uint32_t plugin_abi_minor; /**< out */
  const orch_plugin_descriptor* descriptor; /**< out; static in the plugin */
} orch_negotiation;

/** The exported entry point, named ORCH_PLUGIN_ENTRY_SYMBOL. Fills the out
 *  fields of `negotiation` and returns ORCH_OK. Must not call the host. */
typedef orch_status (*orch_plugin_entry_fn)(orch_negotiation* negotiation);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ORCHESTRATOR_ABI_H */
