/* An out-of-tree plugin in plain C99 against abi.h alone: one route and one
 * workflow step type, to show the contract needs no C++ at all. Build it with
 * the CMakeLists.txt beside this file.
 *
 *   GET /api/v1/hello-c/{name}         -> {"message":"Hello from C, <name>!"}
 *   step "shout": {"text":"hi"}        -> {"text":"HI"}
 */
#include <orchestrator/abi.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const orch_host_api* api;

static orch_str text_of(const char* text) {
  orch_str view = {text, strlen(text)};
  return view;
}

/* Copies the string member `name` of a flat JSON object into `out` (at most
 * `size` - 1 bytes, escapes kept as they are); 0 when it is missing. The host
 * hands well-formed JSON, so this small reader is enough for an example. */
static int string_member(orch_str json, const char* name, char* out, size_t size) {
  char key[64];
  const char* at;
  const char* end = json.ptr + json.len;
  size_t used = 0;
  snprintf(key, sizeof key, "\"%s\"", name);
  for (at = json.ptr; at && at + strlen(key) <= end; at++) {
    if (memcmp(at, key, strlen(key)) != 0) continue;
    at += strlen(key);
    while (at < end && (*at == ' ' || *at == ':')) at++;
    if (at >= end || *at != '"') return 0;
    for (at++; at < end && *at != '"' && used + 1 < size; at++) {
      if (*at == '\\' && at + 1 < end) out[used++] = *at++;
      out[used++] = *at;
    }
    out[used] = '\0';
    return 1;
  }
  return 0;
}

static orch_status on_hello(void* user_data, const orch_request* request, orch_response* response,
                            orch_sink* error_message) {
  char name[128], body[256];
  (void)user_data;
  (void)error_message;
  if (!string_member(request->params_json, "name", name, sizeof name) || name[0] == '\0') {
    api->response_error(response, 422, text_of("VALIDATION_ERROR"), text_of("Validation failed"),
                        text_of("{\"field\":\"name\",\"issue\":\"Name cannot be empty\"}"));
    return ORCH_OK;
  }
  snprintf(body, sizeof body, "{\"message\":\"Hello from C, %s!\"}", name);
  api->response_write(response, body, strlen(body));
  return ORCH_OK;
}

static orch_status on_shout(void* user_data, const orch_step_context* context, orch_sink* output,
                            orch_sink* error_message) {
  char text[512], body[560];
  size_t i;
  (void)user_data;
  if (!string_member(context->config_json, "text", text, sizeof text)) {
    const char* message = "text: Field required";
    error_message->write(error_message, message, strlen(message));
    return ORCH_ERROR;
  }
  for (i = 0; text[i]; i++) text[i] = (char)toupper((unsigned char)text[i]);
  snprintf(body, sizeof body, "{\"text\":\"%s\"}", text);
  output->write(output, body, strlen(body));
  return ORCH_OK;
}

static orch_status on_init(orch_host* host, const orch_host_api* host_api, void** plugin_state,
                           orch_sink* error_message) {
  orch_route_descriptor route;
  orch_step_type_descriptor step;
  (void)plugin_state;
  (void)error_message;
  api = host_api;

  memset(&route, 0, sizeof route);
  route.struct_size = sizeof route;
  route.method = text_of("GET");
  route.path_template = text_of("/hello-c/{name}");
  route.summary = text_of("Greets someone, from C");
  route.flags = ORCH_ROUTE_PUBLIC;
  route.on_request = on_hello;
  if (api->register_route(host, &route) != ORCH_OK) return ORCH_ERROR;

  memset(&step, 0, sizeof step);
  step.struct_size = sizeof step;
  step.name = text_of("shout");
  step.description = text_of("Upper-cases the text in its config");
  step.config_schema_json = text_of("{\"type\":\"object\",\"required\":[\"text\"],"
                                    "\"properties\":{\"text\":{\"type\":\"string\"}}}");
  step.on_execute = on_shout;
  step.flags = ORCH_STEP_PURE;
  return api->register_step_type(host, &step);
}

ORCH_EXPORT orch_status orch_plugin_entry(orch_negotiation* negotiation) {
  static const orch_plugin_descriptor descriptor = {sizeof(orch_plugin_descriptor), "hello_c", "1.0.0",
                                                    "Example in C: a greeting route and a shout step type", on_init,
                                                    NULL, NULL};
  negotiation->plugin_abi_major = ORCH_ABI_MAJOR;
  negotiation->plugin_abi_minor = ORCH_ABI_MINOR;
  negotiation->descriptor = &descriptor;
  return ORCH_OK;
}
