// Generated from plugins/workflows/templates/*.json: edit the JSON files, then copy
// each into its literal below (BuiltinsTest checks that the two are equal).
#include "BuiltinTemplates.h"

namespace workflows {

namespace {

// templates/customer-follow-up.json
const char* const kCustomerFollowUp = R"json({
  "id": "96b71356-fd7b-4624-acf5-31abc07b65a2",
  "name": "Customer Follow-up",
  "description": "Automated customer follow-up process",
  "category": "sales",
  "featured": true,
  "tags": ["follow-up", "email", "sales"],
  "parameters": [
    {"name": "customer_email", "type": "email", "required": true, "description": "Customer email address"},
    {"name": "customer_name", "type": "string", "required": true, "description": "Customer's full name"},
    {"name": "deal_amount", "type": "number", "required": false, "default": 0, "description": "The amount of the deal being followed up"}
  ],
  "steps": [
    {
      "id": "start",
      "type": "start",
      "name": "Start Process",
      "config": {},
      "position": {"x": 100, "y": 100},
      "dependencies": []
    },
    {
      "id": "send_email",
      "type": "email",
      "name": "Send Follow-up Email",
      "config": {
        "to": "{{customer_email}}",
        "template": "follow_up_template",
        "subject": "Following up, {{customer_name}}"
      },
      "position": {"x": 300, "y": 100},
      "dependencies": ["start"]
    },
    {
      "id": "wait",
      "type": "delay",
      "name": "Wait Three Days",
      "config": {"seconds": 259200},
      "position": {"x": 500, "y": 100},
      "dependencies": ["send_email"]
    },
    {
      "id": "draft_reminder",
      "type": "ai_prompt",
      "name": "Draft Reminder",
      "config": {
        "prompt": "Write a short, friendly reminder to {{customer_name}} about our proposal worth {{deal_amount}}, following up on an email sent three days ago.",
        "model": "gpt-3.5-turbo",
        "max_tokens": 300
      },
      "position": {"x": 700, "y": 100},
      "dependencies": ["wait"]
    },
    {
      "id": "send_reminder",
      "type": "email",
      "name": "Send Reminder",
      "config": {
        "to": "{{customer_email}}",
        "subject": "A quick reminder, {{customer_name}}",
        "body": "{{steps.draft_reminder.output}}"
      },
      "position": {"x": 900, "y": 100},
      "dependencies": ["draft_reminder"]
    }
  ]
}
)json";

// templates/customer-onboarding-automation.json
const char* const kCustomerOnboardingAutomation = R"json({
  "id": "7b02fdcf-d83c-4235-8445-c8d69eccc2ad",
  "name": "Customer Onboarding Automation",
  "description": "Automated workflow for new customer onboarding",
  "category": "customer_service",
  "featured": true,
  "tags": ["onboarding", "email", "crm", "ai"],
  "parameters": [
    {"name": "customer_email", "type": "email", "required": true, "description": "The new customer's email address"},
    {"name": "customer_name", "type": "string", "required": true, "description": "The new customer's full name"},
    {"name": "customer_industry", "type": "string", "required": false, "default": "Technology", "description": "The customer's industry, used to personalize content"},
    {"name": "crm_url", "type": "string", "required": false, "default": "https://api.crm.com/customers", "description": "The CRM endpoint that creates the customer account"}
  ],
  "steps": [
    {
      "id": "welcome-email",
      "type": "email",
      "name": "Send Welcome Email",
      "config": {
        "template": "welcome-template",
        "to": "{{customer_email}}",
        "subject": "Welcome to Auterity!"
      },
      "position": {"x": 100, "y": 100},
      "dependencies": []
    },
    {
      "id": "setup-account",
      "type": "api_call",
      "name": "Setup Customer Account",
      "config": {
        "url": "{{crm_url}}",
        "method": "POST",
        "headers": {"Content-Type": "application/json"},
        "body": {
          "email": "{{customer_email}}",
          "name": "{{customer_name}}",
          "source": "auterity_onboarding"
        }
      },
      "position": {"x": 300, "y": 100},
      "dependencies": ["welcome-email"]
    },
    {
      "id": "ai-personalization",
      "type": "ai_prompt",
      "name": "Generate Personalized Content",
      "config": {
        "prompt": "Create personalized content for {{customer_name}} based on their industry: {{customer_industry}}",
        "model": "gpt-4",
        "max_tokens": 300
      },
      "position": {"x": 500, "y": 100},
      "dependencies": ["setup-account"]
    },
    {
      "id": "wait-before-check-in",
      "type": "delay",
      "name": "Wait Three Days",
      "config": {"seconds": 259200},
      "position": {"x": 700, "y": 100},
      "dependencies": ["ai-personalization"]
    },
    {
      "id": "check-in-email",
      "type": "email",
      "name": "Send Check-in Email",
      "config": {
        "to": "{{customer_email}}",
        "subject": "How is it going, {{customer_name}}?",
        "body": "A few days have passed since you joined.\n\n{{steps.ai-personalization.output}}"
      },
      "position": {"x": 900, "y": 100},
      "dependencies": ["wait-before-check-in"]
    }
  ]
}
)json";

// templates/customer-support-automation.json
const char* const kCustomerSupportAutomation = R"json({
  "id": "5c170ecf-dd21-46d9-a106-d109654ca62e",
  "name": "Customer Support Automation",
  "description": "Automated customer support ticket processing",
  "category": "customer_service",
  "featured": true,
  "tags": ["support", "ai", "tickets", "email"],
  "preview_image": "/templates/customer-support.png",
  "parameters": [
    {"name": "ticket_content", "type": "string", "required": false, "description": "The text of the support ticket; when not given here, {{ticket_content}} comes from each execution's input"},
    {"name": "customer_email", "type": "email", "required": false, "description": "Where the reply is sent; when not given here, {{customer_email}} comes from each execution's input"},
    {"name": "support_team_email", "type": "email", "required": false, "default": "support@example.com", "description": "The team that is told about urgent tickets"}
  ],
  "steps": [
    {
      "id": "step-1",
      "type": "ai_prompt",
      "name": "Categorize Ticket",
      "config": {
        "prompt": "Categorize this support ticket: {{ticket_content}}",
        "model": "gpt-3.5-turbo"
      },
      "position": {"x": 100, "y": 100},
      "dependencies": []
    },
    {
      "id": "step-2",
      "type": "ai_prompt",
      "name": "Draft Reply",
      "config": {
        "prompt": "Write a helpful reply to this support ticket, categorized as {{steps.step-1.output}}: {{ticket_content}}",
        "model": "gpt-3.5-turbo",
        "max_tokens": 500,
        "temperature": 0.3
      },
      "position": {"x": 300, "y": 100},
      "dependencies": ["step-1"]
    },
    {
      "id": "step-3",
      "type": "condition",
      "name": "Is Urgent?",
      "config": {
        "expression": "'urgent' in lower(steps['step-1'].output)",
        "true_step": "step-4",
        "false_step": "step-5"
      },
      "position": {"x": 500, "y": 100},
      "dependencies": ["step-1"]
    },
    {
      "id": "step-4",
      "type": "email",
      "name": "Alert Support Team",
      "config": {
        "to": "{{support_team_email}}",
        "subject": "Urgent ticket: {{steps.step-1.output}}",
        "body": "An urgent ticket arrived from {{customer_email}}:\n\n{{ticket_content}}"
      },
      "position": {"x": 700, "y": 50},
      "dependencies": ["step-3"]
    },
    {
      "id": "step-5",
      "type": "email",
      "name": "Reply to Customer",
      "config": {
        "to": "{{customer_email}}",
        "subject": "Re: your support request",
        "body": "{{steps.step-2.output}}"
      },
      "position": {"x": 700, "y": 150},
      "dependencies": ["step-2", "step-3"]
    }
  ]
}
)json";

// templates/lead-qualification.json
const char* const kLeadQualification = R"json({
  "id": "4016b7e4-bd0f-4284-afb2-ef5b7d005bde",
  "name": "Lead Qualification",
  "description": "Automated lead qualification workflow",
  "category": "sales",
  "featured": true,
  "tags": ["sales", "leads", "ai", "crm"],
  "parameters": [
    {"name": "customer_name", "type": "string", "required": true, "description": "Customer's full name"},
    {"name": "customer_email", "type": "email", "required": true, "description": "Customer's email address"},
    {"name": "budget_range", "type": "number", "required": false, "default": 20000, "description": "Customer's budget range"},
    {"name": "sales_rep_email", "type": "email", "required": true, "description": "The sales representative told about qualified leads"},
    {"name": "crm_webhook_url", "type": "string", "required": false, "default": "https://crm.example.com/hooks/leads", "description": "Where qualified leads are posted"},
    {"name": "notify_sales", "type": "boolean", "required": false, "default": true, "description": "Whether the sales representative is emailed about qualified leads"}
  ],
  "steps": [
    {
      "id": "start",
      "type": "start",
      "name": "Start: {{customer_name}}",
      "config": {},
      "position": {"x": 100, "y": 100},
      "dependencies": []
    },
    {
      "id": "score_lead",
      "type": "ai_prompt",
      "name": "Score Lead",
      "config": {
        "prompt": "Score this lead from 0 to 100 and answer with the number only. Name: {{customer_name}}. Email: {{customer_email}}. Budget: {{budget_range}}.",
        "model": "gpt-4",
        "max_tokens": 50,
        "temperature": 0
      },
      "position": {"x": 300, "y": 100},
      "dependencies": ["start"]
    },
    {
      "id": "is_qualified",
      "type": "condition",
      "name": "Qualified?",
      "config": {
        "expression": "number(steps['score_lead'].output) >= 70",
        "true_step": "post_to_crm",
        "false_step": "nurture_email"
      },
      "position": {"x": 500, "y": 100},
      "dependencies": ["score_lead"]
    },
    {
      "id": "post_to_crm",
      "type": "webhook",
      "name": "Post Lead to CRM",
      "config": {
        "url": "{{crm_webhook_url}}",
        "method": "POST",
        "payload": {
          "name": "{{customer_name}}",
          "email": "{{customer_email}}",
          "budget": "{{budget_range}}",
          "score": "{{steps.score_lead.output}}"
        }
      },
      "position": {"x": 700, "y": 50},
      "dependencies": ["is_qualified"]
    },
    {
      "id": "notify_sales_rep",
      "type": "condition",
      "name": "Notify Sales?",
      "config": {
        "expression": "{{notify_sales}} == true",
        "true_step": "sales_email"
      },
      "position": {"x": 900, "y": 50},
      "dependencies": ["post_to_crm"]
    },
    {
      "id": "sales_email",
      "type": "email",
      "name": "Tell Sales Representative",
      "config": {
        "to": "{{sales_rep_email}}",
        "subject": "Qualified lead: {{customer_name}}",
        "body": "{{customer_name}} ({{customer_email}}) scored {{steps.score_lead.output}} with a budget of {{budget_range}}."
      },
      "position": {"x": 1100, "y": 50},
      "dependencies": ["notify_sales_rep"]
    },
    {
      "id": "nurture_email",
      "type": "email",
      "name": "Send Nurture Email",
      "config": {
        "to": "{{customer_email}}",
        "template": "lead_nurture_template",
        "subject": "Thanks for your interest, {{customer_name}}"
      },
      "position": {"x": 700, "y": 150},
      "dependencies": ["is_qualified"]
    }
  ]
}
)json";

} // namespace

const std::vector<orch::json>& builtinTemplates() {
  static const std::vector<orch::json> templates = {
      orch::json::parse(kCustomerSupportAutomation),
      orch::json::parse(kCustomerOnboardingAutomation),
      orch::json::parse(kLeadQualification),
      orch::json::parse(kCustomerFollowUp),
  };
  return templates;
}

} // namespace workflows
