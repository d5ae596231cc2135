#include "steps/BuiltinSteps.h"
#include "steps/StepCredentials.h"

#include "engine/Variables.h"
#include "outbound/TlsClient.h"

#include <orchestrator/settings.hpp>

#include <Poco/Exception.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/SecureSMTPClientSession.h>

namespace workflows::steps {
namespace {

std::vector<std::string> addresses(const orch::json& value) {
  std::vector<std::string> list;
  if (value.is_string()) {
    // "a@x.com, b@y.com" is two recipients.
    list = orch::listItems(value.get<std::string>());
  } else if (value.is_array()) {
    for (const auto& item : value)
      if (item.is_string() && !item.get<std::string>().empty()) list.push_back(item.get<std::string>());
  }
  for (const auto& address : list)
    if (address.find('@') == std::string::npos || address.find_first_of("\r\n<>") != std::string::npos)
      throw std::runtime_error("'" + address + "' is not an email address");
  return list;
}

/// The login: a credential's (through the credentials plugin) or the config's.
std::pair<std::string, std::string> login(const orch::Plugin& plugin, const StepSettings& settings,
                                          const orch::StepContext& step) {
  if (!usesCredential(step)) return {settings.smtpUsername, settings.smtpPassword};
  auto credential = resolveCredential(plugin, step);
  if (credential.type != "smtp" && credential.type != "basic")
    throw std::runtime_error("credential '" + credential.name + "' is a " + credential.type +
                             " credential; the email step needs an smtp or basic one");
  return {credential.data.value("username", std::string()), credential.data.value("password", std::string())};
}

} // namespace

orch::json email(const orch::Plugin& plugin, const StepSettings& settings, const orch::StepContext& step) {
  const auto& config = step.config;
  auto to = addresses(config["to"]);
  if (to.empty()) throw std::runtime_error("Recipient is required");
  auto cc = addresses(config.value("cc", orch::json())), bcc = addresses(config.value("bcc", orch::json()));
  std::string subject = config.value("subject", std::string()), body = config.value("body", std::string());
  if (config.contains("template")) {
    // A named template from the config: email.templates.<name>.subject / .body,
    // with the same {{placeholders}} as step configs.
    auto name = config["template"].get<std::string>();
    auto templateBody = plugin.config("email.templates." + name + ".body");
    if (!templateBody)
      throw std::runtime_error("Unknown email template '" + name + "' (configure email.templates." + name + ".body)");
    Variables variables(step.input);
    body = variables.fill(orch::json(*templateBody)).get<std::string>();
    if (subject.empty())
      subject = variables.fill(orch::json(plugin.config("email.templates." + name + ".subject", ""))).get<std::string>();
  }
  auto from = config.value("from", settings.smtpFrom);
  auto messageId = "<" + orch::newId() + "@orchestrator>";

  Poco::Net::MailMessage message;
  message.setSender(from);
  for (const auto& address : to)
    message.addRecipient(Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT, address));
  for (const auto& address : cc)
    message.addRecipient(Poco::Net::MailRecipient(Poco::Net::MailRecipient::CC_RECIPIENT, address));
  for (const auto& address : bcc)
    message.addRecipient(Poco::Net::MailRecipient(Poco::Net::MailRecipient::BCC_RECIPIENT, address));
  message.setSubject(Poco::Net::MailMessage::encodeWord(subject, "UTF-8"));
  message.set("Message-ID", messageId);
  message.setContentType(config.value("html", false) ? "text/html; charset=UTF-8" : "text/plain; charset=UTF-8");
  message.setContent(body, Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);

  try {
    Poco::Net::SecureSMTPClientSession session(settings.smtpHost, static_cast<Poco::UInt16>(settings.smtpPort));
    session.setTimeout(Poco::Timespan(settings.smtpTimeoutMs * 1000));
    session.login();
    if (settings.smtpStartTls) {
      if (!session.startTLS(outbound::tlsClientContext(settings.smtpCaFile))) throw std::runtime_error("the SMTP server does not offer STARTTLS");
    }
    // After STARTTLS the server forgets the first EHLO (RFC 3207), and both login
    // calls send a new one: one of them must run whether or not there is a user.
    auto [user, password] = login(plugin, settings, step);
    if (!user.empty()) session.login(Poco::Net::SMTPClientSession::AUTH_PLAIN, user, password);
    else if (settings.smtpStartTls) session.login();
    session.sendMessage(message);
    session.close();
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("Sending email through " + settings.smtpHost + ":" + std::to_string(settings.smtpPort) +
                             " failed: " + e.displayText());
  }
  std::vector<std::string> recipients = to;
  recipients.insert(recipients.end(), cc.begin(), cc.end());
  recipients.insert(recipients.end(), bcc.begin(), bcc.end());
  return {{"email_sent", true},
          {"email_id", messageId.substr(1, messageId.size() - 2)},
          {"message_id", messageId},
          {"recipients", recipients},
          {"subject", subject},
          {"message", "Email sent successfully"}};
}

} // namespace workflows::steps
