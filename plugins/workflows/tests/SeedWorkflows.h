// The seeds' workflow examples as they are written there, shared by the
// unit tests (parsing) and the end-to-end tests (creating and running them).
#pragma once

#include <nlohmann/json.hpp>

namespace workflows_seeds {

/// Seed 000, POST /api/workflows: no step ids, so the second step names the first "step-1".
inline const nlohmann::json& seed000Create() {
  static const auto body = nlohmann::json::parse(R"json({
  "name": "New Workflow",
  "description": "Description of the workflow",
  "category": "automation",
  "steps": [
    {
      "type": "ai_prompt",
      "name": "Generate Response",
      "config": {"prompt": "Analyze the following customer feedback:", "model": "gpt-4", "max_tokens": 500},
      "position": { "x": 100, "y": 100 }
    },
    {
      "type": "email",
      "name": "Send Summary",
      "config": {"template": "summary-template", "to": "manager@company.com"},
      "position": { "x": 300, "y": 100 },
      "dependencies": ["step-1"]
    }
  ]
})json");
  return body;
}

/// Seed 000, the complete workflow creation example (curl): explicit ids.
inline const nlohmann::json& seed000Onboarding() {
  static const auto body = nlohmann::json::parse(R"json({
  "name": "Customer Onboarding Automation",
  "description": "Automated workflow for new customer onboarding",
  "category": "customer_service",
  "steps": [
    {"id": "welcome-email", "type": "email", "name": "Send Welcome Email",
     "config": {"template": "welcome-template", "to": "{{customer_email}}", "subject": "Welcome to Auterity!"},
     "position": {"x": 100, "y": 100}},
    {"id": "setup-account", "type": "api_call", "name": "Setup Customer Account",
     "config": {"url": "https://api.crm.com/customers", "method": "POST",
                "headers": {"Authorization": "Bearer crm-token"},
                "body": {"email": "{{customer_email}}", "name": "{{customer_name}}", "source": "auterity_onboarding"}},
     "position": {"x": 300, "y": 100}, "dependencies": ["welcome-email"]},
    {"id": "ai-personalization", "type": "ai_prompt", "name": "Generate Personalized Content",
     "config": {"prompt": "Create personalized content for {{customer_name}} based on their industry: {{customer_industry}}",
                "model": "gpt-4", "max_tokens": 300},
     "position": {"x": 500, "y": 100}, "dependencies": ["setup-account"]}
  ]
})json");
  return body;
}

/// Seed 001, POST /api/workflows: nodes and edges, step config in `data`.
inline const nlohmann::json& seed001FollowUp() {
  static const auto body = nlohmann::json::parse(R"json({
  "name": "Customer Follow-up Workflow",
  "description": "Automated customer follow-up process",
  "definition": {
    "nodes": [
      {"id": "start", "type": "start", "data": {"label": "Start Process"}, "position": { "x": 100, "y": 100 }},
      {"id": "send_email", "type": "email",
       "data": {"label": "Send Follow-up Email", "to": "{{customer_email}}", "template": "follow_up_template"},
       "position": { "x": 300, "y": 100 }}
    ],
    "edges": [{"id": "e1", "source": "start", "target": "send_email"}]
  },
  "is_active": true
})json");
  return body;
}

} // namespace workflows_seeds
