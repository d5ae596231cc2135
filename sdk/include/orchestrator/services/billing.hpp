// The service "billing", which no first-party plugin serves: the marketplace
// asks it to charge an install or a subscription's period before it counts
// the money as revenue. Without a plugin serving it, nothing is charged and
// the marketplace's ledger only records what installs were priced at. A
// payment plugin (Stripe, an invoice system) serves it; both sides use these
// types.
#pragma once

#include "../plugin.hpp"
#include "refusal.hpp"

#include <optional>
#include <string>

namespace orch::services::billing {

inline constexpr const char* kService = "billing";
/// Charge -> {"reference": the provider's id of the payment}, or a refusal
/// (a 402 the installer sees as it is: declined, no payment method).
inline constexpr const char* kCharge = "charge";

struct Charge {
  json payer;                   ///< the principal who installed
  json payerOrganizationId;     ///< the organization it was installed into, or null
  std::string installId, listingId;
  std::string kind;             ///< "one_time" or "subscription"
  std::int64_t amountCents = 0; ///< in minor units of `currency`
  std::string currency, periodStart;

  json toJson() const {
    return {{"payer", payer}, {"payer_organization_id", payerOrganizationId}, {"install_id", installId},
            {"listing_id", listingId}, {"kind", kind}, {"amount_cents", amountCents}, {"currency", currency},
            {"period_start", periodStart}};
  }
  static Charge fromJson(const json& message) {
    Charge charge;
    charge.payer = message.value("payer", json());
    charge.payerOrganizationId = message.value("payer_organization_id", json());
    charge.installId = message.value("install_id", std::string());
    charge.listingId = message.value("listing_id", std::string());
    charge.kind = message.value("kind", std::string());
    charge.amountCents = message.value("amount_cents", std::int64_t{0});
    charge.currency = message.value("currency", std::string());
    charge.periodStart = message.value("period_start", std::string());
    return charge;
  }
};

/// The provider's reference of the payment; null when no plugin serves
/// billing (nothing charged). A refusal is rethrown as its HttpError.
inline json charge(const Plugin& plugin, const Charge& charge) {
  auto answer = plugin.callServiceIfServed(kService, kCharge, charge.toJson());
  if (!answer) return nullptr;
  return unlessRefused(*answer).value("reference", json());
}

} // namespace orch::services::billing
