#include "orchestrator/host/Router.h"

#include <gtest/gtest.h>

using orch::host::Route;
using orch::host::RouteError;
using orch::host::Router;

namespace {

std::shared_ptr<Route> makeRoute(std::string method, std::string path, bool atRoot = false) {
  auto route = std::make_shared<Route>();
  route->method = std::move(method);
  route->pathTemplate = std::move(path);
  route->reachableAtRoot = atRoot;
  return route;
}

} // namespace

TEST(Router, MatchesLiteralsBeforeParametersAndDecodesValues) {
  Router router;
  router.add(makeRoute("GET", "/workflows/{id}"));
  router.add(makeRoute("GET", "/workflows/templates"));
  router.add(makeRoute("GET", "/workflows/{id}/versions"));

  auto literal = router.match("GET", "/workflows/templates", true);
  ASSERT_EQ(literal.kind, Router::Match::Kind::Found);
  EXPECT_EQ(literal.route->pathTemplate, "/workflows/templates");

  auto param = router.match("GET", "/workflows/a%20b", true);
  ASSERT_EQ(param.kind, Router::Match::Kind::Found);
  EXPECT_EQ(param.route->pathTemplate, "/workflows/{id}");
  ASSERT_EQ(param.params.size(), 1u);
  EXPECT_EQ(param.params[0].first, "id");
  EXPECT_EQ(param.params[0].second, "a b");

  auto nested = router.match("GET", "/workflows/templates/versions", true);
  ASSERT_EQ(nested.kind, Router::Match::Kind::Found) << "backtracks from the literal to the parameter";
  EXPECT_EQ(nested.route->pathTemplate, "/workflows/{id}/versions");
  EXPECT_EQ(nested.params[0].second, "templates");
}

TEST(Router, ReportsAllowedMethodsFor405) {
  Router router;
  router.add(makeRoute("GET", "/items"));
  router.add(makeRoute("POST", "/items"));
  auto match = router.match("DELETE", "/items", true);
  EXPECT_EQ(match.kind, Router::Match::Kind::MethodNotAllowed);
  EXPECT_EQ(match.allowed, (std::vector<std::string>{"GET", "POST"}));
  EXPECT_EQ(router.match("GET", "/nothing", true).kind, Router::Match::Kind::NotFound);
  EXPECT_EQ(router.match("HEAD", "/items", true).kind, Router::Match::Kind::Found);
}

TEST(Router, UnprefixedPathsReachOnlyRootRoutes) {
  Router router;
  router.add(makeRoute("GET", "/health", true));
  router.add(makeRoute("GET", "/workflows"));
  EXPECT_EQ(router.match("GET", "/health", false).kind, Router::Match::Kind::Found);
  EXPECT_EQ(router.match("GET", "/workflows", false).kind, Router::Match::Kind::NotFound);
  EXPECT_EQ(router.match("GET", "/workflows", true).kind, Router::Match::Kind::Found);
}

TEST(Router, RefusesConflictsOfTheSameShapeAndMalformedTemplates) {
  Router router;
  router.add(makeRoute("GET", "/a/{id}"));
  EXPECT_THROW(router.add(makeRoute("GET", "/a/{other}")), RouteError);
  EXPECT_NO_THROW(router.add(makeRoute("PUT", "/a/{id}")));
  EXPECT_THROW(router.add(makeRoute("GET", "no-slash")), RouteError);
  EXPECT_THROW(router.add(makeRoute("GET", "/a/{broken")), RouteError);
  EXPECT_THROW(router.add(makeRoute("BREW", "/coffee")), RouteError);
  EXPECT_EQ(Router::shapeOf("/a/{x}/b"), "/a/{}/b");
}

TEST(Router, StripsEachApiPrefix) {
  EXPECT_EQ(Router::stripApiPrefix("/api/v1/workflows").value(), "/workflows");
  EXPECT_EQ(Router::stripApiPrefix("/api/workflows").value(), "/workflows");
  EXPECT_EQ(Router::stripApiPrefix("/v1/workflows").value(), "/workflows");
  EXPECT_EQ(Router::stripApiPrefix("/api/v1").value(), "");
  EXPECT_FALSE(Router::stripApiPrefix("/apiary/x").has_value());
  EXPECT_FALSE(Router::stripApiPrefix("/health").has_value());
}
