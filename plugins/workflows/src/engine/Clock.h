#pragma once

#include <orchestrator/clock.hpp>

namespace workflows {
namespace clock = orch::clock;
} // namespace workflows
