#pragma once

#include <string>

namespace orch::test {

/// Creates an empty database on the test PostgreSQL server and returns its
/// URL, so each test starts from nothing without dropping anyone else's data.
std::string freshPostgresDatabase();

} // namespace orch::test
