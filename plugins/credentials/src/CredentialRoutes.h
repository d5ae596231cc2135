#pragma once

#include "CredentialStore.h"

namespace credentials {

/// POST/GET/DELETE credentials and GET credentials/{id}: metadata only, the
/// secret fields are never answered.
void registerCredentialRoutes(orch::Plugin& plugin, CredentialStore& store);

} // namespace credentials
