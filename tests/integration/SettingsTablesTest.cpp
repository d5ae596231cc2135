// The READMEs' settings tables are made from the plugins' own declarations
// (GET /api/v1/plugins): this test fails when a table and its plugin drift
// apart. ORCH_UPDATE_README=1 ./scripts/test.sh -R SettingsTables writes the
// tables anew instead.
#include "Files.h"
#include "HostProcess.h"
#include "HttpClient.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

using orch::test::HostProcess;
using orch::test::HttpClient;
using orch::test::readFile;

namespace {

constexpr const char* kBegin = "<!-- settings: generated from the plugin's declarations; edit them, not this table -->";
constexpr const char* kEnd = "<!-- end of settings -->";

std::string allowed(const nlohmann::json& setting) {
  if (setting.contains("choices")) {
    std::string text;
    for (const auto& choice : setting["choices"]) text += (text.empty() ? "`" : ", `") + choice.get<std::string>() + "`";
    return text;
  }
  auto minimum = setting.value("minimum", std::string()), maximum = setting.value("maximum", std::string());
  if (!minimum.empty() && !maximum.empty()) return minimum + " to " + maximum;
  if (!minimum.empty()) return "at least " + minimum;
  if (!maximum.empty()) return "at most " + maximum;
  return "";
}

/// A description as table text: "<data_dir>" would read as an HTML tag.
std::string markdownText(std::string text) {
  for (std::size_t at = 0; (at = text.find('<', at)) != std::string::npos; at += 4) text.replace(at, 1, "&lt;");
  return text;
}

/// The Markdown table of a plugin's declared settings, in declaration order.
std::string table(const nlohmann::json& settings) {
  std::string out = "| key | type | default | allowed | description |\n|---|---|---|---|---|\n";
  for (const auto& s : settings) {
    auto type = s["type"].get<std::string>() + (s["secret"] == true ? ", secret" : "");
    auto fallback = s["default"].is_string() ? "`" + s["default"].get<std::string>() + "`" : std::string("none");
    out += "| `" + s["key"].get<std::string>() + "` | " + type + " | " + fallback + " | " + allowed(s) + " | " +
           markdownText(s["description"].get<std::string>()) + " |\n";
  }
  return out;
}

} // namespace

TEST(SettingsTables, EveryPluginReadmeShowsExactlyWhatThePluginDeclares) {
  HostProcess host({.pluginsDir = ORCH_PLUGIN_DIR,
                    .env = {{"ORCH_ADMIN_EMAIL", "admin@example.com"}, {"ORCH_ADMIN_PASSWORD", "Admin-Password-1"}}});
  HttpClient client(host.port());
  auto login = client.post("/api/v1/auth/login", {{"email", "admin@example.com"}, {"password", "Admin-Password-1"}});
  ASSERT_EQ(login.status, 200) << login.body;
  auto plugins = client.get("/api/v1/plugins", {{"Authorization", "Bearer " + login.json()["access_token"].get<std::string>()}});
  ASSERT_EQ(plugins.status, 200) << plugins.body;
  bool update = std::getenv("ORCH_UPDATE_README") != nullptr;
  int checked = 0;
  auto list = plugins.json();
  for (const auto& plugin : list["plugins"]) {
    if (plugin["state"] != "loaded" || plugin["settings"].empty()) continue;
    auto path = std::string(ORCH_SOURCE_DIR) + "/plugins/" + plugin["name"].get<std::string>() + "/README.md";
    auto readme = readFile(path);
    auto begin = readme.find(kBegin), end = readme.find(kEnd);
    ASSERT_TRUE(begin != std::string::npos && end != std::string::npos && begin < end)
        << path << " has no generated settings table; put these two lines where it belongs:\n"
        << kBegin << "\n" << kEnd;
    auto from = begin + std::string(kBegin).size() + 1;
    auto expected = table(plugin["settings"]);
    if (update) {
      readme.replace(from, end - from, expected);
      std::ofstream(path, std::ios::trunc) << readme;
    } else {
      EXPECT_EQ(readme.substr(from, end - from), expected)
          << path << " and the plugin's declarations differ; run ORCH_UPDATE_README=1 ./scripts/test.sh -R SettingsTables";
    }
    ++checked;
  }
  EXPECT_GE(checked, 6) << "auth, ai, workflows, credentials, webhooks and realtime declare settings";
}
