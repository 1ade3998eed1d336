// The OpenAPI document against the code it describes: the router's routes,
// the handlers' query parameters, and the JSON the handlers really send,
// over the real service on an in-memory SQLite store. (Linting the document
// itself is tests/openapi's redocly_lint test.)

#include "http/openapi.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "analysis/pipeline.h"
#include "cache/cache.h"
#include "core/profile.h"
#include "http/api_v1.h"
#include "http/docs_assets.h"
#include "http/events_api.h"
#include "http/server.h"
#include "jobs/job_queue.h"
#include "jobs/scheduler.h"
#include "jobs/sqlite/sqlite_job_queue.h"
#include "jobs/sqlite/sqlite_schedule_store.h"
#include "service/event_bus.h"
#include "service/maintenance.h"
#include "service/opportunity_service.h"
#include "store/event_log.h"
#include "store/sqlite/sqlite_event_log.h"
#include "store/store.h"

namespace lia::http {
namespace {

using nlohmann::json;

const std::set<std::string> kMethods = {"get",     "put",  "post",  "delete",
                                        "options", "head", "patch", "trace"};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(c));
  return s;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(c));
  return s;
}

// "application/problem+json; charset=utf-8" -> "application/problem+json".
std::string MediaType(const std::string& content_type) {
  return content_type.substr(0, content_type.find(';'));
}

void ForEachOperation(
    const json& doc,
    const std::function<void(const std::string& path, const std::string& method,
                             const json& path_item, const json& op)>& f) {
  for (const auto& [path, item] : doc.at("paths").items()) {
    for (const auto& [method, op] : item.items()) {
      if (kMethods.count(method)) f(path, method, item, op);
    }
  }
}

// --- a small JSON Schema 2020-12 checker ------------------------------------
// The subset the document uses: $ref, type, enum, const, properties,
// required, additionalProperties, propertyNames, items, allOf, anyOf, oneOf,
// minimum, maximum, minLength, maxLength, maxItems, format date-time. Stricter
// than JSON Schema in one way: an object schema with `properties` and no
// `additionalProperties` refuses other properties.

class SchemaChecker {
 public:
  explicit SchemaChecker(const json& doc) : doc_(doc) {}

  std::vector<std::string> Check(const json& schema, const json& value) {
    std::vector<std::string> errors;
    Visit(schema, value, "$", errors);
    return errors;
  }

 private:
  const json& Resolve(const std::string& ref) {
    return doc_.at(json::json_pointer(ref.substr(1)));
  }

  static bool IsType(const std::string& type, const json& v) {
    if (type == "null") return v.is_null();
    if (type == "boolean") return v.is_boolean();
    if (type == "object") return v.is_object();
    if (type == "array") return v.is_array();
    if (type == "string") return v.is_string();
    if (type == "number") return v.is_number();
    if (type == "integer") {
      return v.is_number_integer() ||
             (v.is_number_float() &&
              v.get<double>() ==
                  static_cast<double>(static_cast<int64_t>(v.get<double>())));
    }
    return false;
  }

  // RFC 3339: 2026-11-29T10:00:00[.123](Z|+01:00).
  static bool IsDateTime(const std::string& s) {
    auto digits = [&](size_t at, size_t n) {
      if (at + n > s.size()) return false;
      for (size_t i = at; i < at + n; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
      }
      return true;
    };
    if (!(digits(0, 4) && s[4] == '-' && digits(5, 2) && s[7] == '-' &&
          digits(8, 2) && (s[10] == 'T' || s[10] == 't') && digits(11, 2) &&
          s[13] == ':' && digits(14, 2) && s[16] == ':' && digits(17, 2))) {
      return false;
    }
    size_t i = 19;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        ++i;
      }
    }
    if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) return i + 1 == s.size();
    return i + 6 == s.size() && (s[i] == '+' || s[i] == '-') &&
           digits(i + 1, 2) && s[i + 3] == ':' && digits(i + 4, 2);
  }

  static size_t CodePoints(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  }

  void Visit(const json& schema, const json& v, const std::string& at,
             std::vector<std::string>& errors) {
    if (schema.is_boolean()) {
      if (!schema.get<bool>()) errors.push_back(at + ": not allowed");
      return;
    }
    if (auto ref = schema.find("$ref"); ref != schema.end()) {
      Visit(Resolve(*ref), v, at, errors);
    }
    if (auto type = schema.find("type"); type != schema.end()) {
      bool ok = false;
      if (type->is_string()) {
        ok = IsType(*type, v);
      } else {
        for (const json& t : *type) ok = ok || IsType(t, v);
      }
      if (!ok) {
        errors.push_back(at + ": expected type " + type->dump() + ", got " +
                         v.dump());
        return;
      }
    }
    if (auto e = schema.find("enum"); e != schema.end()) {
      bool found = false;
      for (const json& option : *e) found = found || option == v;
      if (!found)
        errors.push_back(at + ": " + v.dump() + " not in " + e->dump());
    }
    if (auto c = schema.find("const"); c != schema.end() && *c != v) {
      errors.push_back(at + ": expected " + c->dump() + ", got " + v.dump());
    }
    if (v.is_number()) {
      const double d = v.get<double>();
      if (auto m = schema.find("minimum"); m != schema.end() && d < *m) {
        errors.push_back(at + ": " + v.dump() + " < minimum " + m->dump());
      }
      if (auto m = schema.find("maximum"); m != schema.end() && d > *m) {
        errors.push_back(at + ": " + v.dump() + " > maximum " + m->dump());
      }
    }
    if (v.is_string()) {
      const std::string& s = v.get_ref<const std::string&>();
      if (auto m = schema.find("minLength");
          m != schema.end() && CodePoints(s) < m->get<size_t>()) {
        errors.push_back(at + ": shorter than " + m->dump());
      }
      if (auto m = schema.find("maxLength");
          m != schema.end() && CodePoints(s) > m->get<size_t>()) {
        errors.push_back(at + ": longer than " + m->dump());
      }
      if (schema.value("format", "") == "date-time" && !IsDateTime(s)) {
        errors.push_back(at + ": not an RFC 3339 date-time: " + s);
      }
    }
    if (v.is_array()) {
      if (auto m = schema.find("maxItems");
          m != schema.end() && v.size() > m->get<size_t>()) {
        errors.push_back(at + ": more than " + m->dump() + " items");
      }
      if (auto items = schema.find("items"); items != schema.end()) {
        for (size_t i = 0; i < v.size(); ++i) {
          Visit(*items, v[i], at + "[" + std::to_string(i) + "]", errors);
        }
      }
    }
    if (v.is_object()) {
      const json properties = schema.value("properties", json::object());
      for (const json& name : schema.value("required", json::array())) {
        if (!v.contains(name.get<std::string>())) {
          errors.push_back(at + ": missing required " + name.dump());
        }
      }
      for (const auto& [key, value] : v.items()) {
        const std::string key_at = at + "." + key;
        if (properties.contains(key)) {
          Visit(properties[key], value, key_at, errors);
        } else if (auto extra = schema.find("additionalProperties");
                   extra != schema.end()) {
          Visit(*extra, value, key_at, errors);
        } else if (schema.contains("properties")) {
          // JSON Schema allows it; for a response it means the code sends a
          // field the document does not describe.
          errors.push_back(key_at + ": not in the documented properties");
        }
        if (auto names = schema.find("propertyNames"); names != schema.end()) {
          Visit(*names, json(key), key_at + " (name)", errors);
        }
      }
    }
    if (auto all = schema.find("allOf"); all != schema.end()) {
      for (const json& s : *all) Visit(s, v, at, errors);
    }
    for (const char* keyword : {"anyOf", "oneOf"}) {
      auto list = schema.find(keyword);
      if (list == schema.end()) continue;
      int matches = 0;
      std::string why;
      for (const json& s : *list) {
        std::vector<std::string> branch;
        Visit(s, v, at, branch);
        if (branch.empty()) {
          ++matches;
        } else {
          why += " [" + branch.front() + "]";
        }
      }
      if (matches == 0) {
        errors.push_back(at + ": matches no " + keyword + " branch:" + why);
      } else if (std::string(keyword) == "oneOf" && matches > 1) {
        errors.push_back(at + ": matches several oneOf branches");
      }
    }
  }

  const json& doc_;
};

// --- the document alone -----------------------------------------------------

TEST(OpenApiDocumentTest, IsOpenApi31WithInfoServersAndBearerAuth) {
  const json doc = OpenApiDocument();
  EXPECT_EQ(doc.at("openapi"), "3.1.0");
  EXPECT_EQ(doc.at("info").at("title"), "lia");
  EXPECT_EQ(doc.at("info").at("version"), LIA_PROJECT_VERSION);
  EXPECT_EQ(doc.at("servers"), json::parse(R"([{"url": "/", "description":
                                  "The lia serving this document"}])"));
  EXPECT_EQ(doc.at("components").at("securitySchemes").at("bearerAuth"),
            json::parse(R"({"type": "http", "scheme": "bearer",
              "description": "An API token (`LIA_API_TOKEN`, or `lia token create NAME`). Required for paths under /api when lia listens beyond loopback."})"));
  EXPECT_EQ(doc.at("security"), json::parse(R"([{"bearerAuth": []}])"));
  // Every piece parsed: a malformed one would drop its paths or schemas.
  EXPECT_EQ(doc.at("paths").size(), 29u);
  for (const char* schema : {"Opportunity",   "OpportunityPage",
                             "Stats",         "Response",
                             "Message",       "ThreadEntry",
                             "Profile",       "ProfileUpdate",
                             "Analysis",      "ImportSummary",
                             "IngestResult",  "IngestBatchResult",
                             "QueuedMessage", "QueuedMessageBatch",
                             "QueuedImport",  "Import",
                             "Job",           "JobPage",
                             "Schedule",      "ScheduleList",
                             "Digest",        "Problem",
                             "FieldError"}) {
    EXPECT_TRUE(doc.at("components").at("schemas").contains(schema)) << schema;
  }
}

TEST(OpenApiDocumentTest, EveryRefResolves) {
  const json doc = OpenApiDocument();
  int refs = 0;
  std::function<void(const json&, const std::string&)> walk =
      [&](const json& node, const std::string& at) {
        if (node.is_object()) {
          for (const auto& [key, value] : node.items()) {
            if (key == "$ref") {
              ASSERT_TRUE(value.is_string()) << at;
              const std::string ref = value;
              ASSERT_EQ(ref.rfind("#/", 0), 0u) << at << ": " << ref;
              EXPECT_TRUE(doc.contains(json::json_pointer(ref.substr(1))))
                  << at << ": " << ref;
              ++refs;
            } else {
              walk(value, at + "/" + key);
            }
          }
        } else if (node.is_array()) {
          for (size_t i = 0; i < node.size(); ++i) {
            walk(node[i], at + "/" + std::to_string(i));
          }
        }
      };
  walk(doc, "#");
  EXPECT_GT(refs, 100);
}

TEST(OpenApiDocumentTest, OperationIdsAreUniqueAndEveryOperationIsTagged) {
  const json doc = OpenApiDocument();
  std::set<std::string> tags;
  for (const json& tag : doc.at("tags")) tags.insert(tag.at("name"));
  std::map<std::string, std::string> seen;
  ForEachOperation(doc, [&](const std::string& path, const std::string& method,
                            const json&, const json& op) {
    const std::string where = Upper(method) + " " + path;
    ASSERT_TRUE(op.contains("operationId")) << where;
    const auto [it, inserted] = seen.emplace(op.at("operationId"), where);
    EXPECT_TRUE(inserted) << op.at("operationId") << " in " << where << " and "
                          << it->second;
    EXPECT_FALSE(op.value("summary", "").empty()) << where;
    ASSERT_EQ(op.at("tags").size(), 1u) << where;
    EXPECT_TRUE(tags.count(op.at("tags")[0])) << where;
  });
}

// The server asks for a token under /api only (http/server.h).
TEST(OpenApiDocumentTest, ApiPathsNeedBearerAndOthersNothing) {
  ForEachOperation(
      OpenApiDocument(), [](const std::string& path, const std::string& method,
                            const json&, const json& op) {
        const std::string where = Upper(method) + " " + path;
        if (path.rfind("/api/", 0) == 0) {
          EXPECT_FALSE(op.contains("security")) << where << ": inherits bearer";
          EXPECT_TRUE(op.at("responses").contains("401")) << where;
        } else {
          EXPECT_EQ(op.value("security", json()), json::array()) << where;
        }
      });
}

// redocly's operation-4xx-response is off for the probes; this keeps it for
// the API, and checks every error is problem+json, as the server sends them.
TEST(OpenApiDocumentTest, ApiErrorsAreProblemJson) {
  const json doc = OpenApiDocument();
  ForEachOperation(doc, [&](const std::string& path, const std::string& method,
                            const json&, const json& op) {
    const std::string where = Upper(method) + " " + path;
    bool client_error = false;
    for (const auto& [code, response] : op.at("responses").items()) {
      const json& r =
          response.contains("$ref")
              ? doc.at(json::json_pointer(
                    response.at("$ref").get<std::string>().substr(1)))
              : response;
      if (code[0] == '4') client_error = true;
      if (code[0] != '4' && code[0] != '5') continue;
      if (path == "/ready") continue;  // Its 503 is the readiness report.
      EXPECT_EQ(r.at("content").size(), 1u) << where << " " << code;
      EXPECT_TRUE(r.at("content").contains("application/problem+json"))
          << where << " " << code;
    }
    if (path.rfind("/api/", 0) == 0) {
      EXPECT_TRUE(client_error) << where;
    }
  });
}

TEST(OpenApiDocumentTest, PathParametersMatchTheTemplate) {
  const json doc = OpenApiDocument();
  ForEachOperation(doc, [&](const std::string& path, const std::string& method,
                            const json& item, const json& op) {
    std::set<std::string> in_template;
    for (size_t open = path.find('{'); open != std::string::npos;
         open = path.find('{', open + 1)) {
      in_template.insert(
          path.substr(open + 1, path.find('}', open) - open - 1));
    }
    std::set<std::string> declared;
    for (const json* list : {&item, &op}) {
      for (const json& p : list->value("parameters", json::array())) {
        const json& param =
            p.contains("$ref") ? doc.at(json::json_pointer(
                                     p.at("$ref").get<std::string>().substr(1)))
                               : p;
        if (param.at("in") == "path") {
          EXPECT_TRUE(param.value("required", false)) << path;
          declared.insert(param.at("name"));
        }
      }
    }
    EXPECT_EQ(declared, in_template) << Upper(method) << " " << path;
  });
}

TEST(OpenApiDocumentTest, RepeatableQueryParametersAreFormExplodedArrays) {
  const json doc = OpenApiDocument();
  const json& params =
      doc.at("paths").at("/api/v1/opportunities").at("get").at("parameters");
  for (const char* name : {"tier", "tech"}) {
    bool found = false;
    for (const json& p : params) {
      if (p.value("name", "") != name) continue;
      found = true;
      EXPECT_EQ(p.at("style"), "form") << name;
      EXPECT_EQ(p.at("explode"), true) << name;
      EXPECT_EQ(p.at("schema").at("type"), "array") << name;
    }
    EXPECT_TRUE(found) << name;
  }
}

// --- the document against the running API ----------------------------------

class OpenApiApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/lia_openapi_test_XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    const std::string path = dir_ + "/lia.db";
    store::SqliteStoreOptions store_options;
    store_options.path = path;
    absl::StatusOr<std::unique_ptr<store::Store>> store =
        store::OpenSqliteStore(store_options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    store::SqliteJobQueueOptions queue_options;
    queue_options.path = path;
    absl::StatusOr<std::unique_ptr<jobs::JobQueue>> queue =
        store::OpenSqliteJobQueue(queue_options);
    ASSERT_TRUE(queue.ok()) << queue.status();
    queue_ = *std::move(queue);
    store::SqliteScheduleStoreOptions schedule_options;
    schedule_options.path = path;
    absl::StatusOr<std::unique_ptr<jobs::ScheduleStore>> schedules =
        store::OpenSqliteScheduleStore(schedule_options);
    ASSERT_TRUE(schedules.ok()) << schedules.status();
    schedules_ = *std::move(schedules);
    ASSERT_TRUE(schedules_->Sync(jobs::DefaultSchedules(), absl::Now()).ok());
    absl::StatusOr<std::unique_ptr<store::EventLog>> log =
        store::OpenSqliteEventLog({path});
    ASSERT_TRUE(log.ok()) << log.status();
    event_log_ = *std::move(log);
    events_ = std::make_unique<service::EventBus>(*event_log_);
    cache_ = cache::NewMemoryCache(cache::MemoryCacheOptions{});
    pipeline_ = analysis::NewRulesPipeline();
    profiles_ = service::NewProfileHolder(core::DefaultProfile(), "");
    service::ServiceOptions service_options;
    service_options.queue = queue_.get();
    service_options.events = events_.get();
    service_ = std::make_unique<service::OpportunityService>(
        *store_, *cache_, *pipeline_, *profiles_, service_options);
    context_ = std::make_unique<ApiContext>(
        ApiContext{*service_, *store_, *cache_, *queue_, *schedules_,
                   LIA_PROJECT_VERSION});
    RegisterEventRoutes(router_, *events_, EventStreamOptions{});
    RegisterApiV1(router_, *context_);
    RegisterDocs(router_, DocsOptions{LIA_PROJECT_VERSION});
  }

  // Calls the handler the router picks, as the server would. Header names
  // lower-case, as the server gives them. A streamed response
  // (Response::stream) is returned unrun: its stream is not called.
  Response Call(const std::string& method, const std::string& path,
                std::vector<std::pair<std::string, std::string>> query = {},
                std::string body = "",
                std::map<std::string, std::string> headers = {}) {
    Router::Match match = router_.Find(method, path);
    if (match.handler == nullptr) {
      ADD_FAILURE() << "no route for " << method << " " << path;
      return Response{};
    }
    Request request;
    request.method = method;
    request.path = path;
    request.query = std::move(query);
    request.body = std::move(body);
    request.headers = std::move(headers);
    request.path_params = match.params;
    request.route = match.pattern;
    request.remote_addr = "127.0.0.1";
    request.request_id = "test";
    last_route_ = match.pattern;
    return (*match.handler)(request);
  }

  // Calls, then checks the status is documented for the operation and the
  // body matches its schema. Returns the parsed body (null when none). Of a
  // stream (GET /api/v1/events) only the status and content type are
  // checked.
  json Documented(const std::string& method, const std::string& path,
                  std::vector<std::pair<std::string, std::string>> query = {},
                  std::string body = "",
                  std::map<std::string, std::string> headers = {}) {
    const Response response =
        Call(method, path, std::move(query), body, std::move(headers));
    const std::string where = method + " " + path + " -> " +
                              std::to_string(response.status) + " " +
                              response.body.substr(0, 300);
    const json& op = doc_.at("paths").at(last_route_).at(Lower(method));
    const std::string code = std::to_string(response.status);
    if (std::getenv("OPENAPI_TEST_VERBOSE")) std::cerr << where << "\n";
    if (!op.at("responses").contains(code)) {
      ADD_FAILURE() << "undocumented status: " << where;
      return json();
    }
    json documented = op.at("responses").at(code);
    if (documented.contains("$ref")) {
      documented = doc_.at(json::json_pointer(
          documented.at("$ref").get<std::string>().substr(1)));
    }
    if (!documented.contains("content")) {
      EXPECT_TRUE(response.body.empty()) << where;
      return json();
    }
    const std::string media = MediaType(response.content_type);
    if (!documented.at("content").contains(media)) {
      ADD_FAILURE() << "undocumented content type " << response.content_type
                    << ": " << where;
      return json();
    }
    if (media.find("json") == std::string::npos) return json();
    const json parsed = json::parse(response.body, nullptr, false);
    if (parsed.is_discarded()) {
      ADD_FAILURE() << "not JSON: " << where;
      return json();
    }
    SchemaChecker checker(doc_);
    for (const std::string& error : checker.Check(
             documented.at("content").at(media).at("schema"), parsed)) {
      ADD_FAILURE() << where << "\n  " << error;
    }
    return parsed;
  }

  // Ingests and analyses one message through POST
  // /api/v1/messages?wait=true; returns its opportunity id.
  int64_t Ingest(const std::string& text, const std::string& sender) {
    const json result = Documented(
        "POST", "/api/v1/messages", {{"wait", "true"}},
        json({{"sender", sender}, {"text", text}, {"conversation_id", sender}})
            .dump());
    if (!result.is_object() ||
        !result.value("opportunity_id", json()).is_number()) {
      ADD_FAILURE() << "no opportunity: " << result.dump();
      return 0;
    }
    return result.at("opportunity_id").get<int64_t>();
  }

  void TearDown() override {
    events_->Shutdown();
    context_.reset();
    service_.reset();
    std::filesystem::remove_all(dir_);
  }

  const json doc_ = OpenApiDocument();
  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<jobs::JobQueue> queue_;
  std::unique_ptr<jobs::ScheduleStore> schedules_;
  std::unique_ptr<store::EventLog> event_log_;
  std::unique_ptr<service::EventBus> events_;
  std::unique_ptr<cache::Cache> cache_;
  std::unique_ptr<analysis::Pipeline> pipeline_;
  std::unique_ptr<service::ProfileHolder> profiles_;
  std::unique_ptr<service::OpportunityService> service_;
  std::unique_ptr<ApiContext> context_;
  Router router_;
  std::string last_route_;
};

constexpr char kOffer[] =
    "Hi Ana, I'm Lauren from Acme. We're hiring a Senior Go Engineer, fully "
    "remote, $180k-$210k per year. Stack: Go, PostgreSQL, Kubernetes. Would "
    "you be open to a quick chat this week?";
constexpr char kOfferEs[] =
    "Hola Ana, soy Diego de Nubank. Buscamos una Backend Engineer Senior con "
    "Python y AWS, modalidad híbrida en Ciudad de México, 90.000 MXN "
    "mensuales. ¿Te interesa conversar?";

TEST_F(OpenApiApiTest, EveryRouteIsDocumentedAndEveryOperationRouted) {
  std::set<std::pair<std::string, std::string>> routed;
  for (const auto& [method, pattern] : router_.routes()) {
    routed.emplace(Lower(method), pattern);
  }
  std::set<std::pair<std::string, std::string>> documented;
  ForEachOperation(
      doc_, [&](const std::string& path, const std::string& method, const json&,
                const json&) { documented.emplace(method, path); });
  for (const auto& [method, path] : routed) {
    EXPECT_TRUE(documented.count({method, path}))
        << "routed, not documented: " << Upper(method) << " " << path;
  }
  for (const auto& [method, path] : documented) {
    EXPECT_TRUE(routed.count({method, path}))
        << "documented, not routed: " << Upper(method) << " " << path;
  }
  EXPECT_EQ(routed.size(), router_.routes().size())
      << "a route registered twice";
}

// A valid value for a documented query parameter.
std::string SampleValue(const json& doc, json schema) {
  if (schema.contains("$ref")) {
    schema = doc.at(
        json::json_pointer(schema.at("$ref").get<std::string>().substr(1)));
  }
  if (schema.contains("enum")) return schema.at("enum")[0];
  if (schema.value("format", "") == "date-time") return "2026-01-01T00:00:00Z";
  const std::string type = schema.value("type", "string");
  if (type == "array") return SampleValue(doc, schema.at("items"));
  if (type == "boolean") return "false";
  if (type == "integer") {
    return std::to_string(schema.value("default", schema.value("minimum", 1)));
  }
  return "Go";
}

// The handlers reject unknown query parameters (400); every documented one
// must get past that check, and an undocumented one must not.
TEST_F(OpenApiApiTest, DocumentedQueryParametersAreTheAcceptedOnes) {
  const int64_t id = Ingest(kOffer, "Lauren Hayes");
  ForEachOperation(doc_, [&](const std::string& pattern,
                             const std::string& method, const json& item,
                             const json& op) {
    if (pattern.rfind("/api/", 0) != 0) return;
    std::string path = pattern;
    for (const char* name : {"{id}", "{opportunity_id}"}) {
      if (size_t at = path.find(name); at != std::string::npos) {
        path.replace(at, std::string(name).size(), std::to_string(id));
      }
    }
    const std::string where = Upper(method) + " " + pattern;
    for (const json* list : {&item, &op}) {
      for (json p : list->value("parameters", json::array())) {
        if (p.contains("$ref")) {
          p = doc_.at(
              json::json_pointer(p.at("$ref").get<std::string>().substr(1)));
        }
        if (p.at("in") != "query") continue;
        const std::string name = p.at("name");
        const Response r = Call(Upper(method), path,
                                {{name, SampleValue(doc_, p.at("schema"))}});
        const json body = json::parse(r.body, nullptr, false);
        const json errors = body.is_object()
                                ? body.value("errors", json::array())
                                : json::array();
        for (const json& e : errors) {
          EXPECT_NE(e.value("field", ""), name)
              << where << " refused documented parameter " << name << ": "
              << r.body;
        }
        EXPECT_NE(r.status, 400) << where << " ?" << name << ": " << r.body;
      }
    }
    // The probes answer whatever the query; every API handler refuses what
    // it does not know.
    if (op.at("tags")[0] == "health") return;
    const Response r = Call(Upper(method), path, {{"undocumented", "1"}});
    EXPECT_EQ(r.status, 400) << where << " accepted an undocumented parameter";
  });
}

TEST_F(OpenApiApiTest, ResponsesMatchTheirSchemas) {
  Documented("GET", "/health");
  Documented("GET", "/startup");
  Documented("GET", "/ready");
  Documented("GET", "/api/v1/health/live");

  // Messages. By default stored with an analysis job: 202 naming it.
  auto message = [](const std::string& conversation) {
    return json({{"id", "m-" + conversation},
                 {"sender", "Lauren Hayes"},
                 {"text", kOffer},
                 {"sent_at", "2026-11-20T09:30:00Z"},
                 {"conversation_id", conversation}})
        .dump();
  };
  const json queued = Documented("POST", "/api/v1/messages", {}, message("q1"));
  ASSERT_TRUE(queued.is_object());
  ASSERT_TRUE(queued.at("job_id").is_number());
  const int64_t message_job = queued.at("job_id");
  // A duplicate still being analysed names the same job.
  const json again = Documented("POST", "/api/v1/messages", {}, message("q1"));
  EXPECT_EQ(again.value("job_id", json()), message_job) << again.dump();
  Documented("POST", "/api/v1/messages", {}, R"({"messages": [
      {"sender": "Diego Ruiz", "text": "Hola, ¿tienes tiempo esta semana?", "conversation_id": "q2"},
      {"sender": "Mia", "text": "Are you open to a Staff role?", "conversation_id": "q3"}]})");

  // With wait=true: analysed before the answer (201), or a duplicate (200).
  const json one =
      Documented("POST", "/api/v1/messages", {{"wait", "true"}}, message("c1"));
  ASSERT_TRUE(one.is_object());
  const int64_t id = one.at("opportunity_id");
  Documented("POST", "/api/v1/messages", {{"wait", "true"}}, message("c1"));
  // Without wait, a duplicate that has its opportunity needs no job: 200.
  Documented("POST", "/api/v1/messages", {}, message("c1"));
  const std::string batch_body = R"({"messages": [
            {"sender": "Diego Ruiz", "text": ")" +
                                 std::string(kOfferEs) +
                                 R"(", "conversation_id": "c2"},
            {"sender": "Mia", "message": "Thanks, have a great day!",
             "conversation_id": "c3", "thread": [
               {"from": "recruiter", "text": "Would you like to talk?"},
               {"from": "candidate", "text": "Not right now, thank you."}]},
            {"sender": "Lauren Hayes", "text": "Just following up: did you see my note about the salary range?",
             "conversation_id": "c1", "thread": [
               {"from": "recruiter", "text": "Senior Go role at Acme."}]}
          ]})";
  const json batch =
      Documented("POST", "/api/v1/messages", {{"wait", "true"}}, batch_body);
  ASSERT_TRUE(batch.is_object());
  Documented("POST", "/api/v1/messages", {}, batch_body);
  Documented("POST", "/api/v1/messages", {},
             R"({"messages": [{"sender": "x"}]})");
  Documented("POST", "/api/v1/messages", {}, "not json");
  Documented("POST", "/api/v1/messages", {{"dry_run", "1"}}, "{}");
  Documented("POST", "/api/v1/messages", {{"wait", "maybe"}}, message("c9"));

  // The original system's form.
  const json created = Documented(
      "POST", "/api/v1/opportunities", {},
      json({{"recruiter_name", "Priya"},
            {"raw_message",
             "Hello! Staff Platform Engineer at Globex, Rust and Kubernetes, "
             "onsite in Berlin, EUR 120,000 - 140,000. Interested?"}})
          .dump());
  ASSERT_TRUE(created.is_object());
  const int64_t globex = created.at("id");
  Documented("POST", "/api/v1/opportunities", {}, R"({"raw_message": "  "})");

  // Reading.
  Documented("GET", "/api/v1/opportunities");
  Documented("GET", "/api/v1/opportunities",
             {{"tier", "HIGH_PRIORITY"},
              {"tier", "INTERESTING"},
              {"tech", "Go"},
              {"tech", "Kubernetes"},
              {"tech_match", "all"},
              {"sort_by", "total_score"},
              {"sort_order", "asc"},
              {"limit", "1"}});
  const json page =
      Documented("GET", "/api/v1/opportunities", {{"limit", "1"}});
  if (page.is_object() && page.at("next_cursor").is_string()) {
    Documented("GET", "/api/v1/opportunities",
               {{"cursor", page.at("next_cursor")}, {"limit", "1"}});
  }
  Documented("GET", "/api/v1/opportunities", {{"limit", "0"}});
  Documented("GET", "/api/v1/opportunities", {{"tier", "GREAT"}});
  Documented("GET", "/api/v1/opportunities", {{"teir", "LOW"}});
  Documented("GET", "/api/v1/opportunities/manual-review");
  Documented("GET", "/api/v1/opportunities/stats");
  Documented("GET", "/api/v1/opportunities/" + std::to_string(id));
  Documented("GET", "/api/v1/opportunities/999999");
  Documented("GET", "/api/v1/opportunities/abc");

  // Changing.
  Documented(
      "PATCH", "/api/v1/opportunities/" + std::to_string(id), {},
      R"({"status": "interested", "notes": "Call Monday", "tier": "HIGH_PRIORITY"})");
  Documented("PATCH", "/api/v1/opportunities/" + std::to_string(id), {},
             R"({"manual_tier": null})");
  Documented("PATCH", "/api/v1/opportunities/" + std::to_string(id), {},
             R"({"stauts": "new"})");
  Documented("PATCH", "/api/v1/opportunities/999999", {}, R"({"notes": ""})");
  // Reprocess and rescore: 202 with the job, or 200 when done (wait=true).
  const json reprocess = Documented(
      "POST", "/api/v1/opportunities/" + std::to_string(id) + "/reprocess");
  ASSERT_TRUE(reprocess.is_object());
  Documented("POST",
             "/api/v1/opportunities/" + std::to_string(id) + "/reprocess",
             {{"wait", "true"}});
  Documented("POST", "/api/v1/opportunities/999999/reprocess");
  Documented("POST",
             "/api/v1/opportunities/" + std::to_string(id) + "/reprocess",
             {{"wait", "yes"}});
  const json rescore = Documented("POST", "/api/v1/opportunities/rescore");
  ASSERT_TRUE(rescore.is_object());
  Documented("POST", "/api/v1/opportunities/rescore", {{"wait", "true"}});

  // Replies.
  Documented("GET", "/api/v1/responses");
  Documented("GET", "/api/v1/responses",
             {{"status", "pending"}, {"limit", "2"}});
  Documented("GET", "/api/v1/responses", {{"status", "maybe"}});
  Documented("GET", "/api/v1/responses/" + std::to_string(id));
  Documented("GET", "/api/v1/responses/999999");
  const std::string reply = "/api/v1/responses/" + std::to_string(id);
  Documented("POST", reply + "/edit", {}, R"({"text": "Thanks Lauren!"})");
  Documented("POST", reply + "/edit", {}, "");
  Documented("POST", reply + "/approve");
  Documented("POST", reply + "/decline");  // No longer pending: 409.
  Documented("POST", "/api/v1/responses/" + std::to_string(globex) + "/decline",
             {}, R"({"response_text": "No, thank you."})");

  // Deleting: a pending reply protects its opportunity unless forced.
  const int64_t pending = Ingest(kOfferEs, "Another recruiter");
  Documented("DELETE", "/api/v1/opportunities/" + std::to_string(pending));
  Documented("DELETE", "/api/v1/opportunities/" + std::to_string(pending),
             {{"force", "true"}});
  Documented("DELETE", "/api/v1/opportunities/" + std::to_string(pending),
             {{"force", "true"}});
  Documented("DELETE", "/api/v1/opportunities/" + std::to_string(globex),
             {{"force", "perhaps"}});

  // Profile.
  const json profile = Documented("GET", "/api/v1/profile");
  ASSERT_TRUE(profile.is_object());
  Documented("PUT", "/api/v1/profile", {}, profile.dump());
  Documented("PUT", "/api/v1/profile", {},
             R"({"name": "Ana", "minimum_salary_usd": 150000,
                 "job_search_status": {"reject_if": ["crypto", "pre-seed"]}})");
  Documented("PUT", "/api/v1/profile", {}, R"({"favourite_colour": "blue"})");
  Documented("PUT", "/api/v1/profile", {},
             R"({"job_search_status": {"reject_if": ["mondays"]}})");

  // Imports: queued (202), followed through GET /api/v1/imports/{id} as
  // its job runs; or imported at once (wait=true, 201).
  auto csv = [](const std::string& conversation) {
    return "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,"
           "RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER,IS MESSAGE "
           "DRAFT\n" +
           conversation +
           ",,Lauren Hayes,https://www.linkedin.com/in/lauren,Ana Souza,"
           "https://www.linkedin.com/in/ana,2026-11-20 09:30:00 UTC,,"
           "\"We're hiring a Senior Go Engineer at Acme, fully "
           "remote.\",INBOX,No\n";
  };
  Documented("POST", "/api/v1/imports", {}, "");
  Documented("POST", "/api/v1/imports", {{"wait", "soon"}}, csv("conv-8"));
  Documented("POST", "/api/v1/imports", {{"wait", "true"}}, csv("conv-8"));
  const json import = Documented("POST", "/api/v1/imports", {}, csv("conv-9"));
  ASSERT_TRUE(import.is_object());
  const int64_t import_id = import.at("import_id");
  const std::string import_path =
      "/api/v1/imports/" + std::to_string(import_id);
  Documented("GET", import_path);  // Queued: summary {}.
  ASSERT_TRUE(service_->RunImport(import_id).ok());
  const json imported = Documented("GET", import_path);
  EXPECT_EQ(imported.value("state", ""), "done") << imported.dump();
  const json broken =
      Documented("POST", "/api/v1/imports", {}, "not an export at all");
  ASSERT_TRUE(broken.is_object());
  EXPECT_FALSE(service_->RunImport(broken.at("import_id")).ok());
  const json failed = Documented(
      "GET", "/api/v1/imports/" +
                 std::to_string(broken.at("import_id").get<int64_t>()));
  EXPECT_EQ(failed.value("state", ""), "failed") << failed.dump();
  Documented("GET", "/api/v1/imports/999999");
  Documented("GET", "/api/v1/imports/0");

  // Jobs: the ones queued above, taken through their states so that every
  // nullable field is seen set and unset.
  Documented("GET", "/api/v1/jobs");
  Documented("GET", "/api/v1/jobs",
             {{"state", "queued"},
              {"type", "process_message"},
              {"limit", "1"},
              {"skip", "1"}});
  Documented("GET", "/api/v1/jobs", {{"state", "stuck"}});
  Documented("GET", "/api/v1/jobs", {{"limit", "0"}});
  Documented("GET", "/api/v1/jobs", {{"stat", "queued"}});
  const std::string job = "/api/v1/jobs/" + std::to_string(message_job);
  Documented("GET", job);
  Documented("GET", "/api/v1/jobs/999999");
  Documented("GET", "/api/v1/jobs/abc");
  Documented("POST", job + "/retry");  // Queued: 409.
  Documented("POST", job + "/cancel");
  Documented("POST", job + "/cancel");  // Cancelled already: unchanged.
  Documented("POST", job + "/retry");
  Documented("POST", "/api/v1/jobs/999999/cancel");
  Documented("POST", "/api/v1/jobs/999999/retry");
  // A cancelled rescore whose key a newer rescore holds cannot be retried.
  const std::string first_rescore =
      "/api/v1/jobs/" + std::to_string(rescore.at("id").get<int64_t>());
  Documented("POST", first_rescore + "/cancel");
  const json second_rescore =
      Documented("POST", "/api/v1/opportunities/rescore");
  ASSERT_TRUE(second_rescore.is_object());
  Documented("POST", first_rescore + "/retry");  // 409.
  // Running (leased), then succeeded.
  const absl::StatusOr<std::optional<jobs::Job>> running =
      queue_->Lease("openapi-test", {"rescore_all"}, absl::Minutes(1));
  ASSERT_TRUE(running.ok() && running->has_value()) << running.status();
  const std::string leased = "/api/v1/jobs/" + std::to_string((*running)->id);
  Documented("GET", leased);
  ASSERT_TRUE(queue_->Complete((*running)->id, "openapi-test").ok());
  Documented("POST", leased + "/cancel");  // Succeeded: 409.
  // Failed, with its error; then retried.
  const absl::StatusOr<std::optional<jobs::Job>> doomed = queue_->Lease(
      "openapi-test", {"reprocess_opportunity"}, absl::Minutes(1));
  ASSERT_TRUE(doomed.ok() && doomed->has_value()) << doomed.status();
  ASSERT_TRUE(queue_
                  ->Fail((*doomed)->id, "openapi-test",
                         absl::InvalidArgumentError("opportunity is gone"),
                         jobs::RetryPolicy{})
                  .ok());
  const std::string failed_job =
      "/api/v1/jobs/" + std::to_string((*doomed)->id);
  const json failed_body = Documented("GET", failed_job);
  EXPECT_EQ(failed_body.value("state", ""), "failed") << failed_body.dump();
  Documented("POST", failed_job + "/cancel");  // Failed: 409.
  Documented("POST", failed_job + "/retry");

  // Schedules, before and after their first ticks.
  Documented("GET", "/api/v1/schedules");
  ASSERT_TRUE(schedules_->ClaimDue(absl::Now() + absl::Hours(25)).ok());
  Documented("GET", "/api/v1/schedules");
  Documented("GET", "/api/v1/schedules", {{"enabled", "true"}});

  // The digest: none yet, then the one the daily_digest job would build.
  Documented("GET", "/api/v1/digests/latest");
  service::Maintenance maintenance(*store_, event_log_.get(),
                                   service::RetentionOptions{});
  ASSERT_TRUE(maintenance.BuildDigest(absl::Now()).ok());
  const json digest = Documented("GET", "/api/v1/digests/latest");
  ASSERT_TRUE(digest.is_object());
  EXPECT_FALSE(digest.at("top").empty());
  EXPECT_FALSE(digest.at("pending_replies").at("items").empty());
  Documented("GET", "/api/v1/digests/latest", {{"day", "2026-11-20"}});

  // Events: a stream (only its status and type are checked), its bad
  // resume ids, and the 503 once every place is taken.
  Documented("GET", "/api/v1/events");
  Documented("GET", "/api/v1/events",
             {{"last_event_id", "2"},
              {"types", "opportunity.created,job.failed"},
              {"types", "message.received"}});
  Documented("GET", "/api/v1/events", {}, "", {{"last-event-id", "1"}});
  Documented("GET", "/api/v1/events", {{"last_event_id", "first"}});
  Documented("GET", "/api/v1/events", {}, "", {{"last-event-id", "-1"}});
  {
    std::vector<Response> open;
    for (int i = 0; i < EventStreamOptions{}.max_streams; ++i) {
      open.push_back(Call("GET", "/api/v1/events"));
      EXPECT_EQ(open.back().status, 200);
      EXPECT_TRUE(open.back().stream != nullptr);
    }
    Documented("GET", "/api/v1/events");
    const Response busy = Call("GET", "/api/v1/events");
    EXPECT_EQ(busy.status, 503);
    bool retry_after = false;
    for (const auto& [name, value] : busy.headers) {
      retry_after = retry_after || name == "Retry-After";
    }
    EXPECT_TRUE(retry_after);
  }

  Documented("GET", "/openapi.json");
  Documented("GET", "/docs");
  Documented("GET", "/docs/");
  Documented("GET", "/docs/assets/swagger-ui.css");
  Documented("GET", "/docs/assets/nothing.js");
}

TEST_F(OpenApiApiTest, ServesTheDocumentAndTheDocsPage) {
  const Response document = Call("GET", "/openapi.json");
  EXPECT_EQ(document.status, 200);
  EXPECT_EQ(MediaType(document.content_type), "application/json");
  EXPECT_EQ(json::parse(document.body), doc_);

  const Response slash = Call("GET", "/docs/");
  EXPECT_EQ(slash.status, 301);
  ASSERT_EQ(slash.headers.size(), 1u);
  EXPECT_EQ(slash.headers[0],
            std::make_pair(std::string("Location"), std::string("../docs")));

  const Response page = Call("GET", "/docs");
  const Response bundle = Call("GET", "/docs/assets/swagger-ui-bundle.js");
  const Response script = Call("GET", "/docs/assets/lia-docs.js");
  if (internal::SwaggerUiAssets().empty()) {
    // Built without Swagger UI: 503, saying why.
    EXPECT_EQ(page.status, 503);
    EXPECT_EQ(page.content_type, "application/problem+json");
    EXPECT_NE(page.body.find("openapi.json"), std::string::npos) << page.body;
    EXPECT_EQ(bundle.status, 503);
    GTEST_SKIP() << internal::SwaggerUiAssetsMissingReason();
  }
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(MediaType(page.content_type), "text/html");
  for (const char* asset :
       {"docs/assets/swagger-ui.css", "docs/assets/swagger-ui-bundle.js",
        "docs/assets/swagger-ui-standalone-preset.js",
        "docs/assets/lia-docs.js"}) {
    EXPECT_NE(page.body.find(asset), std::string::npos) << asset;
  }
  EXPECT_EQ(bundle.status, 200);
  EXPECT_EQ(MediaType(bundle.content_type), "text/javascript");
  EXPECT_GT(bundle.body.size(), 500000u);
  EXPECT_NE(bundle.body.find("SwaggerUIBundle"), std::string::npos);
  EXPECT_EQ(script.status, 200);
  EXPECT_NE(script.body.find("\"openapi.json\""), std::string::npos);
  EXPECT_NE(script.body.find("validatorUrl: null"), std::string::npos);
  const Response css = Call("GET", "/docs/assets/swagger-ui.css");
  EXPECT_EQ(MediaType(css.content_type), "text/css");
  const Response icon = Call("GET", "/docs/assets/favicon-32x32.png");
  EXPECT_EQ(icon.content_type, "image/png");
  EXPECT_EQ(icon.body.substr(1, 3), "PNG");
  EXPECT_EQ(Call("GET", "/docs/assets/package.json").status, 404);
}

}  // namespace
}  // namespace lia::http
