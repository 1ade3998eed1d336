// PostgreSQL going away under a running `lia serve` (issue "Scale-out"): the
// server stays up, answers 503 with Retry-After while the database is
// gone, /ready says so, and once the database is back everything works
// again by itself with nothing that was stored lost.

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "lia_server.h"
#include "postgres_server.h"

namespace lia::testing {
namespace {

using nlohmann::json;

class PostgresOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("lia_pg_outage_" + std::to_string(getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "lia");
    server_ = std::make_unique<PostgresServer>(root_ / "pg");
    if (!server_->available()) {
      GTEST_SKIP() << "PostgreSQL server binaries not installed "
                      "(scripts/install-deps)";
    }
    ASSERT_TRUE(server_->Init()) << "see " << root_ / "pg";
  }
  void TearDown() override {
    server_.reset();
    if (!root_.empty()) std::filesystem::remove_all(root_);
  }

  std::filesystem::path root_;
  std::unique_ptr<PostgresServer> server_;
};

TEST_F(PostgresOutageTest,
       ServesUnavailableWhileTheDatabaseIsDownThenRecovers) {
  LiaServer lia(root_ / "lia",
                {"LIA_DATABASE_URL=" + server_->url(), "LIA_WORKERS=1"});
  ASSERT_GT(lia.port(), 0) << lia.first_line();
  httplib::Client client("127.0.0.1", lia.port());
  client.set_read_timeout(60, 0);
  auto post = [&](int i) {
    return client.Post(
        "/api/v1/messages?wait=true",
        json{{"text", "Staff engineer at Globex, Rust, remote, $210k. Ref " +
                          std::to_string(i)},
             {"source_id", "pg-" + std::to_string(i)}}
            .dump(),
        "application/json");
  };
  for (int i = 0; i < 20; ++i) {
    httplib::Result r = post(i);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
  }
  ASSERT_EQ(client.Get("/ready")->status, 200);

  server_->Stop();
  // A write is refused with a problem document and a hint to back off.
  httplib::Result refused = post(100);
  ASSERT_TRUE(refused) << "lia must answer while the database is down";
  EXPECT_EQ(refused->status, 503) << refused->body;
  EXPECT_EQ(refused->get_header_value("Content-Type"),
            "application/problem+json");
  EXPECT_EQ(refused->get_header_value("Retry-After"), "1");
  // The process lives and says what is wrong.
  EXPECT_EQ(client.Get("/health")->status, 200);
  httplib::Result ready = client.Get("/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  const json checks = json::parse(ready->body)["checks"];
  EXPECT_NE(checks["store"], "ok") << checks;

  ASSERT_TRUE(server_->Start());
  EXPECT_TRUE(WaitFor(
      [&] {
        httplib::Result r = client.Get("/ready");
        return r && r->status == 200;
      },
      60))
      << "lia did not become ready again after the database came back";
  httplib::Result accepted = post(101);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 201) << accepted->body;
  httplib::Result page = client.Get("/api/v1/opportunities?limit=1");
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200) << page->body;
  // The 20 from before the outage and the one after; the refused one never
  // half-happened.
  EXPECT_EQ(json::parse(page->body)["total"], 21);
}

}  // namespace
}  // namespace lia::testing
