// The network guard on redirects, end to end. A public server is needed for
// the first hop, so the test runs in a network namespace of its own where
// 11.0.0.1 (a public address) is on the loopback device: the host calls a
// "public" server there, which redirects into loopback or the cloud metadata
// address. Needs root (unshare); SQLite only, since the test PostgreSQL
// server lives outside the namespace.
#include "LocalHttpServer.h"
#include "WorkflowsHost.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

namespace workflows_test {
namespace {

using orch::test::LocalHttpServer;

constexpr const char* kPublicAddress = "11.0.0.1";

class RedirectGuard : public WorkflowsHost {
protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "a network namespace needs root";
    // Namespaces belong to threads: this one moves, and everything it starts
    // later (servers, the host process) lives in the new namespace.
    originalNamespace_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(originalNamespace_, 0);
    if (::unshare(CLONE_NEWNET) != 0) {
      ::close(originalNamespace_);
      originalNamespace_ = -1;
      GTEST_SKIP() << "no network namespace here (unshare: " << std::strerror(errno) << "): a container without CAP_SYS_ADMIN";
    }
    auto command = std::string("ip link set lo up && ip addr add ") + kPublicAddress + "/32 dev lo";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    WorkflowsHost::SetUp();
  }

  void TearDown() override {
    WorkflowsHost::TearDown();
    if (originalNamespace_ >= 0) {
      ::setns(originalNamespace_, CLONE_NEWNET);
      ::close(originalNamespace_);
    }
  }

  json runCall(const std::string& url) {
    auto created = post("/api/v1/workflows",
                        {{"name", "call"}, {"steps", {{{"id", "call"}, {"type", "api_call"}, {"config", {{"url", url}}}}}}},
                        alice_);
    EXPECT_EQ(created.status, 201) << created.body;
    return post("/api/v1/workflows/" + created.json().value("id", "") + "/execute",
                {{"execution_mode", "sync"}, {"execution_options", {{"retry_count", 0}}}}, alice_)
        .json();
  }

  int originalNamespace_ = -1;
};

TEST_P(RedirectGuard, ARedirectIntoAPrivateAddressIsRefusedAndAPublicOneFollowed) {
  LocalHttpServer inside([](const LocalHttpServer::Request&) { return LocalHttpServer::Reply{200, R"({"secret":1})"}; });
  std::string target;
  LocalHttpServer outside(
      [&target](const LocalHttpServer::Request& request) {
        if (request.path == "/final") return LocalHttpServer::Reply{200, R"({"reached":"final"})"};
        return LocalHttpServer::Reply{302, "", {{"Location", target}}};
      },
      kPublicAddress);

  auto direct = runCall(outside.url("/final"));
  ASSERT_EQ(direct["status"], "completed") << "a public address is allowed: " << direct.dump();
  EXPECT_EQ(direct["results"]["call"]["output"]["body"]["reached"], "final");

  target = outside.url("/final");
  auto followed = runCall(outside.url("/start"));
  ASSERT_EQ(followed["status"], "completed") << followed.dump();
  EXPECT_EQ(followed["results"]["call"]["output"]["url"], outside.url("/final"));

  for (const auto& privateTarget : {inside.url("/secret"), std::string("http://169.254.169.254/latest/meta-data/"),
                                    "http://[::ffff:127.0.0.1]:" + std::to_string(inside.port()) + "/secret"}) {
    target = privateTarget;
    auto refused = runCall(outside.url("/start"));
    EXPECT_EQ(refused["status"], "failed") << privateTarget;
    EXPECT_NE(refused.value("error", "").find("Refused to call"), std::string::npos) << refused.dump();
  }
  EXPECT_TRUE(inside.requests().empty()) << "no redirect reached the loopback server";
}

INSTANTIATE_TEST_SUITE_P(Backends, RedirectGuard, ::testing::Values(Backend::Sqlite),
                         [](const auto&) { return "Sqlite"; });

} // namespace
} // namespace workflows_test
