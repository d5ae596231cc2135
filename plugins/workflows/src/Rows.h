#pragma once

#include <orchestrator/plugin.hpp>

#include <string>

namespace workflows {

using orch::newId;

} // namespace workflows
