#pragma once

#include "Gateway.h"

namespace ai {

/// The plugin's HTTP routes: the catalog, routing decisions and calls, plus spend and budgets:
/// GET ai/models, GET models/available, POST models/route, POST ai/route
/// (JSON or Server-Sent Events), GET ai/usage, GET ai/calls, and the admin's
/// GET ai/budgets, PUT/DELETE ai/budgets/{scope}/{id}.
void registerRoutes(orch::Plugin& plugin, Gateway& gateway, SpendLedger& ledger);

} // namespace ai
