#include "BuiltinStepTypes.h"

namespace workflows {

using orch::json;

namespace {

// How the schemas are written, so that ConfigSchema::firstProblem names the
// right field with the right sentence:
//  - every property carries its own "x-error-message": the deepest message on
//    the failing path wins, so a property without one would inherit the
//    object's message, which speaks about something else;
//  - a missing required property is reported on the property itself, with the
//    property's message;
//  - "one of these is required" is an anyOf whose branches are
//    {"not": {"not": {"required": [...]}}}: a branch fails with an error on
//    the config object itself (not on one arbitrary member), so the 422 names
//    "steps[N].config" with the object's own "x-error-message".
//  - additional properties are allowed everywhere: clients send extras
//    (an email step with "delay": 0) and later versions add options.

const char* const kStart = R"json({
  "type": "object",
  "title": "Start",
  "properties": {
    "trigger": {"type": "string", "x-error-message": "trigger must be a string"},
    "input_schema": {"type": "object", "x-error-message": "input_schema must be an object"}
  },
  "additionalProperties": true
})json";

const char* const kAiPrompt = R"json({
  "type": "object",
  "title": "AI prompt",
  "required": ["prompt"],
  "properties": {
    "prompt": {"type": "string", "minLength": 1, "pattern": "\\S", "x-error-message": "Prompt cannot be empty"},
    "model": {"type": "string", "minLength": 1, "x-error-message": "model must be a non-empty string"},
    "max_tokens": {"type": "integer", "minimum": 1, "maximum": 200000,
                   "x-error-message": "max_tokens must be an integer from 1 to 200000"},
    "temperature": {"type": "number", "minimum": 0, "maximum": 2,
                    "x-error-message": "temperature must be a number from 0 to 2"},
    "system": {"type": "string", "x-error-message": "system must be a string"},
    "provider": {"type": "string", "x-error-message": "provider must be a string"},
    "routing_preferences": {"type": "object", "x-error-message": "routing_preferences must be an object"}
  },
  "additionalProperties": true
})json";

const char* const kEmail = R"json({
  "type": "object",
  "title": "Email",
  "x-error-message": "An email needs a body or a template",
  "required": ["to"],
  "properties": {
    "to": {
      "type": ["string", "array"], "minLength": 1, "minItems": 1,
      "items": {"type": "string", "minLength": 1, "x-error-message": "Each recipient must be a non-empty string"},
      "x-error-message": "Recipient is required"
    },
    "cc": {"type": ["string", "array"], "items": {"type": "string"}, "x-error-message": "cc must be a string or an array of strings"},
    "bcc": {"type": ["string", "array"], "items": {"type": "string"}, "x-error-message": "bcc must be a string or an array of strings"},
    "from": {"type": "string", "x-error-message": "from must be a string"},
    "subject": {"type": "string", "x-error-message": "subject must be a string"},
    "body": {"type": "string", "x-error-message": "body must be a string"},
    "template": {"type": "string", "minLength": 1, "x-error-message": "template must be a non-empty string"},
    "credential_id": {"type": "string", "minLength": 1, "x-error-message": "credential_id must be a non-empty string"},
    "credential_name": {"type": "string", "minLength": 1, "x-error-message": "credential_name must be a non-empty string"}
  },
  "anyOf": [
    {"not": {"not": {"required": ["body"]}}},
    {"not": {"not": {"required": ["template"]}}}
  ],
  "additionalProperties": true
})json";

// A URL may also start with a "{{placeholder}}" filled in from the template's
// parameters or the execution's input; the executor checks the final URL.
const char* const kApiCall = R"json({
  "type": "object",
  "title": "API call",
  "required": ["url"],
  "properties": {
    "url": {"type": "string", "pattern": "^(https?://|\\{\\{)",
            "x-error-message": "URL is required and must start with http:// or https://"},
    "method": {"type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"], "default": "GET",
               "x-error-message": "method must be one of GET, POST, PUT, PATCH, DELETE, HEAD"},
    "headers": {"type": "object", "additionalProperties": {"type": "string"},
                "x-error-message": "headers must be an object of strings"},
    "body": {},
    "timeout": {"type": "number", "minimum": 0.1, "maximum": 300,
                "x-error-message": "timeout must be a number of seconds from 0.1 to 300"},
    "credential_id": {"type": "string", "minLength": 1, "x-error-message": "credential_id must be a non-empty string"},
    "credential_name": {"type": "string", "minLength": 1, "x-error-message": "credential_name must be a non-empty string"},
    "allow_private_network": {"type": "boolean", "default": false,
                              "x-error-message": "allow_private_network must be a boolean"}
  },
  "additionalProperties": true
})json";

const char* const kToolLoop = R"json({
  "type": "object",
  "title": "Tool-calling loop",
  "required": ["prompt"],
  "properties": {
    "prompt": {"type": "string", "minLength": 1, "pattern": "\\S", "x-error-message": "Prompt cannot be empty"},
    "instructions": {"type": "string", "x-error-message": "instructions must be a string"},
    "tools": {
      "type": "array",
      "items": {
        "anyOf": [
          {"type": "string", "minLength": 1},
          {"type": "object", "required": ["type"],
           "properties": {"type": {"type": "string", "minLength": 1},
                          "name": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                          "description": {"type": "string"},
                          "config": {"type": "object"}}}
        ],
        "x-error-message": "Each tool is a step type, or {type, name, description, config}"
      },
      "x-error-message": "tools must be an array of step types or {type, name, description, config}"
    },
    "max_iterations": {"type": "integer", "minimum": 1, "maximum": 100,
                       "x-error-message": "max_iterations must be a whole number of model turns from 1 to 100"},
    "model": {"type": "string", "minLength": 1, "x-error-message": "model must be a non-empty string"},
    "provider": {"type": "string", "x-error-message": "provider must be a string"},
    "max_tokens": {"type": "integer", "minimum": 1, "maximum": 200000,
                   "x-error-message": "max_tokens must be an integer from 1 to 200000"},
    "temperature": {"type": "number", "minimum": 0, "maximum": 2,
                    "x-error-message": "temperature must be a number from 0 to 2"}
  },
  "additionalProperties": true
})json";

const char* const kApproval = R"json({
  "type": "object",
  "title": "Human approval",
  "properties": {
    "message": {"type": "string", "x-error-message": "message must be a string"},
    "timeout_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 31536000,
                        "x-error-message": "timeout_seconds must be a number of seconds up to a year"}
  },
  "additionalProperties": true
})json";

const char* const kCondition = R"json({
  "type": "object",
  "title": "Condition",
  "x-error-message": "A condition needs an expression",
  "x-no-template": ["expression", "condition"],
  "properties": {
    "expression": {"type": "string", "minLength": 1, "x-error-message": "expression must be a non-empty string"},
    "condition": {"type": "string", "minLength": 1, "x-error-message": "condition must be a non-empty string"},
    "true_step": {"type": "string", "minLength": 1, "x-error-message": "true_step must be a step id"},
    "false_step": {"type": "string", "minLength": 1, "x-error-message": "false_step must be a step id"},
    "branches": {"type": ["array", "object"], "x-error-message": "branches must be an array or an object"}
  },
  "anyOf": [
    {"not": {"not": {"required": ["expression"]}}},
    {"not": {"not": {"required": ["condition"]}}}
  ],
  "additionalProperties": true
})json";

// 2592000 seconds is 30 days.
const char* const kDelay = R"json({
  "type": "object",
  "title": "Delay",
  "x-error-message": "A delay needs seconds, duration_seconds or until",
  "properties": {
    "seconds": {"type": "number", "minimum": 0, "maximum": 2592000,
                "x-error-message": "seconds must be a number from 0 to 2592000 (30 days)"},
    "duration_seconds": {"type": "number", "minimum": 0, "maximum": 2592000,
                         "x-error-message": "duration_seconds must be a number from 0 to 2592000 (30 days)"},
    "until": {"type": "string", "format": "date-time",
              "x-error-message": "until must be an RFC 3339 date-time such as 2025-08-25T16:00:00Z"}
  },
  "anyOf": [
    {"not": {"not": {"required": ["seconds"]}}},
    {"not": {"not": {"required": ["duration_seconds"]}}},
    {"not": {"not": {"required": ["until"]}}}
  ],
  "additionalProperties": true
})json";

const char* const kTransform = R"json({
  "type": "object",
  "title": "Transform",
  "x-error-message": "A transform needs a mapping, an expression or a template",
  "x-no-template": ["expression"],
  "properties": {
    "mapping": {"type": "object", "x-error-message": "mapping must be an object"},
    "expression": {"type": "string", "minLength": 1, "x-error-message": "expression must be a non-empty string"},
    "template": {"type": "string", "minLength": 1, "x-error-message": "template must be a non-empty string"}
  },
  "anyOf": [
    {"not": {"not": {"required": ["mapping"]}}},
    {"not": {"not": {"required": ["expression"]}}},
    {"not": {"not": {"required": ["template"]}}}
  ],
  "additionalProperties": true
})json";

const char* const kWebhook = R"json({
  "type": "object",
  "title": "Webhook",
  "required": ["url"],
  "properties": {
    "url": {"type": "string", "pattern": "^(https?://|\\{\\{)",
            "x-error-message": "URL is required and must start with http:// or https://"},
    "method": {"type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"], "default": "POST",
               "x-error-message": "method must be one of GET, POST, PUT, PATCH, DELETE, HEAD"},
    "headers": {"type": "object", "additionalProperties": {"type": "string"},
                "x-error-message": "headers must be an object of strings"},
    "payload": {},
    "secret": {"type": "string", "minLength": 1, "x-error-message": "secret must be a non-empty string"},
    "timeout": {"type": "number", "minimum": 0.1, "maximum": 300,
                "x-error-message": "timeout must be a number of seconds from 0.1 to 300"},
    "allow_private_network": {"type": "boolean", "default": false,
                              "x-error-message": "allow_private_network must be a boolean"}
  },
  "additionalProperties": true
})json";

const char* const kWorkflow = R"json({
  "type": "object",
  "title": "Run a workflow",
  "required": ["workflow_id"],
  "properties": {
    "workflow_id": {"type": "string", "minLength": 1, "x-error-message": "workflow_id must name a workflow"},
    "input": {"type": "object", "x-error-message": "input must be an object"},
    "timeout_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 2592000,
                        "x-error-message": "timeout_seconds must be a number of seconds up to 30 days"}
  },
  "additionalProperties": true
})json";

std::vector<BuiltinStepType> build() {
  return {
      {"start", "Where a workflow begins; passes the execution's input on", json::parse(kStart), true},
      {"ai_prompt", "Sends a prompt to an AI model through the router", json::parse(kAiPrompt)},
      {"email", "Sends an email over SMTP", json::parse(kEmail)},
      {"api_call", "Calls an HTTP API", json::parse(kApiCall)},
      {"condition", "Chooses the branch to follow from an expression", json::parse(kCondition), true},
      {"delay", "Waits for a duration or until a moment", json::parse(kDelay), false, true},
      {"transform", "Reshapes data with a mapping, an expression or a template", json::parse(kTransform), true},
      {"webhook", "Posts a payload to a URL", json::parse(kWebhook)},
      {"approval", "Waits for a person's decision (POST executions/{id}/resume); branches approved, rejected, timed_out",
       json::parse(kApproval), false, true},
      {"workflow", "Runs another workflow as an execution of its own and waits for its output (no thread held)",
       json::parse(kWorkflow), false, true},
      {"tool_loop", "Lets a model call tools (other step types) until it answers; each turn a committed step",
       json::parse(kToolLoop), false, true},
  };
}

} // namespace

const std::vector<BuiltinStepType>& builtinStepTypes() {
  static const std::vector<BuiltinStepType> types = build();
  return types;
}

} // namespace workflows
