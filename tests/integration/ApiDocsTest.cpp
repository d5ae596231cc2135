// The API's description and pages with every first-party plugin loaded:
// /openapi.json valid by swagger-parser (the OpenAPI 3 schema and every
// $ref), every route in it with its errors in the envelope and the seeds'
// examples on the operations that serve them; its Postman
// collection loaded by Postman's own library; /docs (Swagger UI) and /redoc
// (ReDoc) rendered by Debian's Chromium offline, without a console error,
// each screen saved under build/test-screenshots.
#include "HostProcess.h"
#include "HttpClient.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using orch::test::HostProcess;
using orch::test::HttpClient;
using json = nlohmann::json;

namespace {

std::string scratch(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("orch-docs-" + std::to_string(::getpid()) + "-" + name)).string();
}

/// Runs a node script of tests/support and parses the JSON line it prints.
json runNode(const std::string& script, const std::string& arguments) {
  auto out = scratch("node.out");
  auto command = "node " + std::string(ORCH_SOURCE_DIR) + "/tests/support/" + script + " " + arguments + " > " + out + " 2>&1";
  auto status = std::system(command.c_str());
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(out);
  EXPECT_EQ(status, 0) << command << "\n" << text;
  auto line = text.substr(text.rfind('{') == std::string::npos ? 0 : text.find('{'));
  return json::parse(line, nullptr, false);
}

class ApiDocs : public ::testing::Test {
protected:
  HostProcess host_{{.pluginsDir = ORCH_PLUGIN_DIR}};
};

TEST_F(ApiDocs, TheOpenApiDocumentIsValidAndItsPostmanCollectionLoads) {
  HttpClient client(host_.port());
  auto openapi = client.get("/openapi.json");
  ASSERT_EQ(openapi.status, 200);
  auto document = openapi.json();
  // Every route of every plugin, the host's own and analytics' among them.
  for (const char* path : {"/analytics/dashboard", "/analytics/metrics", "/monitoring/health", "/system/status",
                           "/system/metrics", "/workflows/{id}/execute", "/agents/{id}/publish", "/docs"})
    EXPECT_TRUE(document["paths"].contains(path)) << path;
  const auto& execute = document["paths"]["/workflows/{id}/execute"]["post"];
  EXPECT_EQ(execute["responses"]["422"]["$ref"], "#/components/responses/ValidationError");
  EXPECT_EQ(execute["responses"]["404"]["$ref"], "#/components/responses/NotFound");
  EXPECT_EQ(execute["parameters"][0]["name"], "id");
  EXPECT_TRUE(execute.contains("requestBody"));
  EXPECT_EQ(document["paths"]["/analytics/export"]["get"]["x-rate-limit-category"], "analytics_export");
  // Each seed's examples on the operation that serves them, requests and responses.
  auto named = [](const json& examples, const std::string& prefix) {
    for (const auto& [name, example] : examples.items())
      if (name.rfind(prefix, 0) == 0 && example.contains("value")) return true;
    return false;
  };
  const auto& login = document["paths"]["/auth/login"]["post"];
  EXPECT_TRUE(named(login["requestBody"]["content"]["application/json"]["examples"], "seed000_")) << login.dump();
  const auto& dashboard = document["paths"]["/analytics/dashboard"]["get"]["responses"]["200"]["content"]["application/json"];
  EXPECT_TRUE(named(dashboard["examples"], "seed000_")) << dashboard.dump();
  EXPECT_TRUE(named(dashboard["examples"], "seed002_")) << dashboard.dump();
  EXPECT_TRUE(named(document["paths"]["/system/status"]["get"]["responses"]["200"]["content"]["application/json"]["examples"],
                    "seed003_"));
  // The query parameters the seeds send.
  auto hasQuery = [&](const std::string& path, const std::string& name) {
    for (const auto& parameter : document["paths"][path]["get"].value("parameters", json::array()))
      if (parameter["name"] == name && parameter["in"] == "query") return true;
    return false;
  };
  EXPECT_TRUE(hasQuery("/analytics/metrics", "type"));
  EXPECT_TRUE(hasQuery("/analytics/metrics", "interval"));
  EXPECT_TRUE(hasQuery("/system/metrics", "hours"));

  auto postman = client.get("/docs/postman.json?origin=http://orchestrator.example.com");
  ASSERT_EQ(postman.status, 200);
  EXPECT_EQ(postman.json()["variable"][0]["value"], "http://orchestrator.example.com/api/v1");
  auto openapiFile = scratch("openapi.json"), postmanFile = scratch("postman.json");
  std::ofstream(openapiFile) << openapi.body;
  std::ofstream(postmanFile) << postman.body;
  auto report = runNode("openapi/check.js", openapiFile + " " + postmanFile);
  EXPECT_EQ(report["valid"], true) << report.dump();
  EXPECT_GT(report["operations"].get<int>(), 100) << report.dump();
  EXPECT_EQ(report["postmanRequests"], report["operations"]) << "a request per operation";
  EXPECT_TRUE(report["postmanErrors"].empty()) << report.dump();
  std::filesystem::remove(openapiFile);
  std::filesystem::remove(postmanFile);
}

TEST_F(ApiDocs, SwaggerUiAndRedocRenderOfflineWithoutAConsoleError) {
  HttpClient client(host_.port());
  auto docs = client.get("/docs");
  ASSERT_EQ(docs.status, 200) << docs.body;
  EXPECT_NE(docs.header("Content-Type").find("text/html"), std::string::npos);
  EXPECT_EQ(client.get("/redoc").status, 200);
  auto bundle = client.get("/docs/swagger-ui-bundle.js");
  EXPECT_EQ(bundle.status, 200);
  EXPECT_NE(bundle.header("Content-Type").find("javascript"), std::string::npos);
  EXPECT_EQ(client.get("/docs/no-such-file.js").status, 404);
  EXPECT_EQ(client.get("/docs/..%2Forchestrator.db").status, 404);

  auto shots = std::string(ORCH_BINARY_DIR) + "/test-screenshots";
  std::filesystem::create_directories(shots);
  auto origin = "http://127.0.0.1:" + std::to_string(host_.port());
  for (const auto& [page, selector] : std::vector<std::pair<std::string, std::string>>{
           {"docs", "#swagger-ui .opblock"}, {"redoc", "h1"}}) {
    auto report = runNode("browser/visit.js", origin + "/" + page + " '" + selector + "' " + shots + "/api-" + page + ".png");
    EXPECT_EQ(report["loaded"], true) << page << ": " << report.dump();
    EXPECT_TRUE(report["consoleErrors"].empty()) << page << ": " << report.dump();
    EXPECT_TRUE(report["pageErrors"].empty()) << page << ": " << report.dump();
    EXPECT_TRUE(report["offsiteRequests"].empty()) << page << " works offline: " << report.dump();
    EXPECT_TRUE(std::filesystem::exists(shots + "/api-" + page + ".png")) << page;
  }
}

} // namespace
