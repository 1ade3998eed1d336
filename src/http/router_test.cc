#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "http/server.h"

namespace lia::http {
namespace {

// Every route answers with its own "METHOD pattern" so a test can see which
// one was chosen.
Router MakeRouter(
    const std::vector<std::pair<std::string, std::string>>& routes) {
  Router router;
  for (const auto& [method, pattern] : routes) {
    std::string name = method + " " + pattern;
    router.Handle(method, pattern, [name](const Request&) {
      Response response;
      response.body = name;
      return response;
    });
  }
  return router;
}

std::string Chosen(const Router::Match& match) {
  return match.handler == nullptr ? "" : (*match.handler)(Request{}).body;
}

const std::vector<std::pair<std::string, std::string>> kApiRoutes = {
    {"GET", "/api/v1/opportunities"},
    {"POST", "/api/v1/opportunities"},
    {"GET", "/api/v1/opportunities/{id}"},
    {"DELETE", "/api/v1/opportunities/{id}"},
    {"GET", "/api/v1/opportunities/stats"},
    {"POST", "/api/v1/responses/{opportunity_id}/approve"},
    {"GET", "/healthz"},
    {"GET", "/"},
};

struct FindCase {
  std::string method;
  std::string path;
  std::string chosen;  // "" when no handler.
  std::map<std::string, std::string> params;
  std::vector<std::string> allowed;
};

TEST(RouterTest, ResolvesPathsFromTable) {
  Router router = MakeRouter(kApiRoutes);
  const std::vector<FindCase> cases = {
      {"GET",
       "/api/v1/opportunities",
       "GET /api/v1/opportunities",
       {},
       {"GET", "HEAD", "POST"}},
      {"POST",
       "/api/v1/opportunities/",
       "POST /api/v1/opportunities",
       {},
       {"GET", "HEAD", "POST"}},
      {"GET",
       "/api/v1/opportunities/42",
       "GET /api/v1/opportunities/{id}",
       {{"id", "42"}},
       {"GET", "HEAD", "DELETE"}},
      {"DELETE",
       "/api/v1/opportunities/42",
       "DELETE /api/v1/opportunities/{id}",
       {{"id", "42"}},
       {"GET", "HEAD", "DELETE"}},
      {"GET",
       "/api/v1/opportunities/stats",
       "GET /api/v1/opportunities/stats",
       {},
       {"GET", "HEAD"}},
      // The literal resource owns the path: no fallback to {id}.
      {"DELETE", "/api/v1/opportunities/stats", "", {}, {"GET", "HEAD"}},
      {"HEAD",
       "/api/v1/opportunities/7",
       "GET /api/v1/opportunities/{id}",
       {{"id", "7"}},
       {"GET", "HEAD", "DELETE"}},
      {"POST",
       "/api/v1/responses/abc-1/approve",
       "POST /api/v1/responses/{opportunity_id}/approve",
       {{"opportunity_id", "abc-1"}},
       {"POST"}},
      {"PUT", "/api/v1/opportunities", "", {}, {"GET", "HEAD", "POST"}},
      {"GET", "/api/v1/nothing", "", {}, {}},
      {"GET", "/api/v1/opportunities/42/extra", "", {}, {}},
      {"GET", "/api/v1//approve", "", {}, {}},
      {"GET", "/healthz/", "GET /healthz", {}, {"GET", "HEAD"}},
      {"GET", "/", "GET /", {}, {"GET", "HEAD"}},
      // Segments are decoded after splitting.
      {"GET",
       "/api/v1/opportunities/a%2Fb",
       "GET /api/v1/opportunities/{id}",
       {{"id", "a/b"}},
       {"GET", "HEAD", "DELETE"}},
      {"GET",
       "/api/v1/opportunities/caf%C3%A9%20x",
       "GET /api/v1/opportunities/{id}",
       {{"id", "caf\xC3\xA9 x"}},
       {"GET", "HEAD", "DELETE"}},
      {"GET",
       "/%61pi/v1/opportunities/stats",
       "GET /api/v1/opportunities/stats",
       {},
       {"GET", "HEAD"}},
      {"GET",
       "/api/v1/opportunities/100%",
       "GET /api/v1/opportunities/{id}",
       {{"id", "100%"}},
       {"GET", "HEAD", "DELETE"}},
  };
  for (const FindCase& c : cases) {
    SCOPED_TRACE(c.method + " " + c.path);
    Router::Match match = router.Find(c.method, c.path);
    EXPECT_EQ(Chosen(match), c.chosen);
    EXPECT_EQ(match.params, c.params);
    EXPECT_EQ(match.allowed_methods, c.allowed);
    if (!c.chosen.empty()) {
      EXPECT_EQ(match.pattern, c.chosen.substr(c.chosen.find(' ') + 1));
    }
  }
}

TEST(RouterTest, ExactSegmentWinsInEitherRegistrationOrder) {
  Router literal_last =
      MakeRouter({{"GET", "/items/{id}"}, {"GET", "/items/stats"}});
  Router literal_first =
      MakeRouter({{"GET", "/items/stats"}, {"GET", "/items/{id}"}});
  for (const Router* router : {&literal_last, &literal_first}) {
    EXPECT_EQ(Chosen(router->Find("GET", "/items/stats")), "GET /items/stats");
    EXPECT_EQ(Chosen(router->Find("GET", "/items/9")), "GET /items/{id}");
  }
}

TEST(RouterTest, LeftmostLiteralDecidesBetweenPartlyLiteralPatterns) {
  Router router =
      MakeRouter({{"GET", "/{kind}/latest"}, {"GET", "/jobs/{id}"}});
  EXPECT_EQ(Chosen(router.Find("GET", "/jobs/latest")), "GET /jobs/{id}");
  EXPECT_EQ(Chosen(router.Find("GET", "/people/latest")), "GET /{kind}/latest");
}

TEST(RouterTest, ReRegisteringReplacesTheHandler) {
  Router router = MakeRouter({{"GET", "/a/{x}"}, {"get", "/a/{y}"}});
  Router::Match match = router.Find("GET", "/a/1");
  EXPECT_EQ(Chosen(match), "get /a/{y}");
  EXPECT_EQ(match.params, (std::map<std::string, std::string>{{"y", "1"}}));
  EXPECT_EQ(router.routes().size(), 1u);
}

TEST(RouterTest, ExplicitHeadRouteBeatsGetFallback) {
  Router router = MakeRouter({{"GET", "/x"}, {"HEAD", "/x"}});
  EXPECT_EQ(Chosen(router.Find("HEAD", "/x")), "HEAD /x");
  EXPECT_EQ(router.Find("HEAD", "/x").allowed_methods,
            (std::vector<std::string>{"GET", "HEAD"}));
}

TEST(RouterTest, RoutesListsRegistrationsInOrder) {
  Router router = MakeRouter({{"GET", "/b"}, {"POST", "/a"}});
  EXPECT_EQ(router.routes(), (std::vector<std::pair<std::string, std::string>>{
                                 {"GET", "/b"}, {"POST", "/a"}}));
}

TEST(RequestTest, QueryHelpersKeepOrderAndRepeats) {
  Request request;
  request.query = {{"tag", "c++"}, {"q", "rust jobs"}, {"tag", "go"}};
  EXPECT_EQ(request.Query("q"), "rust jobs");
  EXPECT_EQ(request.Query("tag"), "c++");
  EXPECT_EQ(request.Query("missing"), std::nullopt);
  EXPECT_EQ(request.QueryAll("tag"), (std::vector<std::string>{"c++", "go"}));
  EXPECT_TRUE(request.QueryAll("missing").empty());
}

TEST(RequestTest, HeaderIsEmptyWhenAbsent) {
  Request request;
  request.headers = {{"content-type", "application/json"}};
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("accept"), "");
}

}  // namespace
}  // namespace lia::http
