#pragma once

// The REST API v1 (DESIGN §7): routes, parsing and validation, mapping to the
// service. Handlers are thin: parse -> service -> status to HTTP.

#include <string>

#include "http/server.h"
#include "nlohmann/json_fwd.hpp"

namespace lia::store {
class Store;
}
namespace lia::cache {
class Cache;
}
namespace lia::service {
class OpportunityService;
}
namespace lia::jobs {
class JobQueue;
class ScheduleStore;
struct Job;
}  // namespace lia::jobs

namespace lia::http {

struct ApiContext {
  service::OpportunityService& service;
  store::Store& store;  // For /ready.
  cache::Cache& cache;  // For /ready.
  jobs::JobQueue& queue;
  jobs::ScheduleStore& schedules;
  std::string version = "0.1.0";
};

// Registers every route of the API and health on `router` (RegisterDocs in
// http/openapi.h adds /openapi.json and /docs). The context must outlive
// the router.
void RegisterApiV1(Router& router, ApiContext& context);

// The jobs, schedules and digests routes (jobs_api.cc); RegisterApiV1
// calls it.
void RegisterJobsApi(Router& router, ApiContext& context);

// A job as the API shows it.
nlohmann::json JobToJson(const jobs::Job& job);

}  // namespace lia::http
