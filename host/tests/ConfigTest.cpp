#include "orchestrator/host/Config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using orch::host::Config;
using orch::host::ConfigError;

namespace {

std::string writeFile(const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / ("orch-config-" + std::to_string(::getpid()) + ".properties");
  std::ofstream(path) << text;
  return path.string();
}

} // namespace

TEST(Config, CommandLineBeatsEnvironmentBeatsFile) {
  auto file = writeFile("server.port = 1000\nstorage.url = sqlite:\nratelimit.auth.per_minute = 5\n");
  Config config(file, {"ORCH_PORT=2000", "ORCH_STORAGE__URL=postgresql://x/y", "OTHER=1"},
                {{"server.port", "3000"}});
  EXPECT_EQ(config.getInt("server.port", 0, 0, 65535), 3000);
  EXPECT_EQ(config.getString("storage.url", ""), "postgresql://x/y");
  EXPECT_EQ(config.getInt("ratelimit.auth.per_minute", 0, 1, 100), 5);
  Config withoutArgs(file, {"ORCH_PORT=2000"}, {});
  EXPECT_EQ(withoutArgs.getInt("server.port", 0, 0, 65535), 2000);
  std::filesystem::remove(file);
}

TEST(Config, EnvironmentNamesMapDoubleUnderscoresToDots) {
  Config config("", {"ORCH_RATELIMIT__EXECUTE__PER_MINUTE=7", "ORCH_DATA_DIR=/srv/orch"}, {});
  EXPECT_EQ(config.getInt("ratelimit.execute.per_minute", 0, 1, 100), 7);
  EXPECT_EQ(config.getString("server.data_dir", ""), "/srv/orch");
  EXPECT_EQ(Config::environmentName("storage.url"), "ORCH_STORAGE__URL");
  EXPECT_EQ(config.subKeys("ratelimit"), std::vector<std::string>{"execute"});
}

TEST(Config, BadValuesNameTheirKey) {
  Config config("", {"ORCH_SERVER__PORT=eighty", "ORCH_RATELIMIT__ENABLED=maybe", "ORCH_SERVER__THREADS=12x"}, {});
  try {
    config.getInt("server.port", 8080, 0, 65535);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("server.port"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("ORCH_SERVER__PORT"), std::string::npos);
  }
  EXPECT_THROW(config.getBool("ratelimit.enabled", true), ConfigError);
  EXPECT_THROW(config.getInt("server.threads", 1, 1, 100), ConfigError);
  Config outOfRange("", {"ORCH_SERVER__PORT=70000"}, {});
  EXPECT_THROW(outOfRange.getInt("server.port", 8080, 0, 65535), ConfigError);
}

TEST(Config, MissingFileIsAnError) {
  EXPECT_THROW(Config("/nonexistent/orchestrator.properties", {}, {}), ConfigError);
}

TEST(Config, ListsAreTrimmed) {
  Config config("", {"ORCH_PLUGINS__ENABLED= auth , workflows,,ai "}, {});
  EXPECT_EQ(config.getList("plugins.enabled"), (std::vector<std::string>{"auth", "workflows", "ai"}));
  EXPECT_TRUE(config.getList("plugins.required").empty());
}
