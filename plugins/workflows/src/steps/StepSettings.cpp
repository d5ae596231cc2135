#include "steps/StepSettings.h"

namespace workflows {

using orch::SettingType;

const orch::SettingsMap<StepSettings> StepSettings::kStepSettings = {
    {"smtp.host", &StepSettings::smtpHost, "localhost", "The SMTP server of the email step"},
    {"smtp.port", &StepSettings::smtpPort, "25", "Its port", {.minimum = "1", .maximum = "65535"}},
    {"smtp.starttls", &StepSettings::smtpStartTls, "false", "Upgrade to TLS with STARTTLS (required when true)"},
    {"smtp.username", &StepSettings::smtpUsername, "", "SMTP login (AUTH PLAIN or LOGIN); unset: none"},
    {"smtp.password", &StepSettings::smtpPassword, "", "SMTP password", {.flags = ORCH_SETTING_SECRET}},
    {"smtp.from", &StepSettings::smtpFrom, "orchestrator@localhost", "The sender unless the step names one"},
    {"smtp.tls.ca_file", &StepSettings::smtpCaFile, "", "Extra trusted CA certificates (PEM) for STARTTLS"},
    {"smtp.timeout_ms", &StepSettings::smtpTimeoutMs, "30000", "Each SMTP exchange's timeout", {.minimum = "1"}},
    {"smtp.health_check", &StepSettings::smtpHealthCheck, "false",
     "Check the SMTP server (its greeting, within a second) as a component of the host's health: monitoring/health, "
     "the health score, system_alert"},
    {"email.templates.*.subject", SettingType::Text, "", "A named email template's subject (`template` of a step)"},
    {"email.templates.*.body", SettingType::Text, "", "A named email template's body, with {{placeholders}}"},
    {"steps.api_call.allow_private_networks", &StepSettings::allowPrivateNetworks, "false",
     "Let api_call and webhook steps reach loopback, private and link-local addresses"},
    {"steps.tls.ca_file", &StepSettings::tlsCaFile, "", "Extra trusted CA certificates (PEM) for outbound HTTPS"},
    {"workflows.webhook_secret", &StepSettings::webhookSecret, "",
     "Signs webhook steps and execution webhooks; unset: one made once and kept in the database, so every host "
     "signs alike",
     {.flags = ORCH_SETTING_SECRET}},
};

} // namespace workflows
