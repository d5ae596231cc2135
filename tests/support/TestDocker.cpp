#include "TestDocker.h"

#include <fstream>

namespace orch::test {

std::string dockerSocket(std::string& why) {
  std::string dir = ORCH_TEST_DOCKER_DIR, line;
  if (std::ifstream socket(dir + "/socket"); socket && std::getline(socket, line) && !line.empty()) return line;
  if (std::ifstream unavailable(dir + "/unavailable"); unavailable && std::getline(unavailable, line))
    why = "no Docker Engine: " + line;
  else
    why = "no Docker Engine: the `docker` test fixture (scripts/lib/docker.sh start) has not run";
  return {};
}

} // namespace orch::test
