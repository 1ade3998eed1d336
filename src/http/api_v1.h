#pragma once

// The REST API v1 (DESIGN §7): routes, parsing and validation, mapping to the
// service. Handlers are thin: parse -> service -> status to HTTP.

#include <string>

#include "http/server.h"

namespace lia::store {
class Store;
}
namespace lia::cache {
class Cache;
}
namespace lia::service {
class OpportunityService;
}

namespace lia::http {

struct ApiContext {
  service::OpportunityService& service;
  store::Store& store;  // For /ready.
  cache::Cache& cache;  // For /ready.
  std::string version = "0.1.0";
};

// Registers every route of the API and health on `router` (RegisterDocs in
// http/openapi.h adds /openapi.json and /docs). The context must outlive
// the router.
void RegisterApiV1(Router& router, ApiContext& context);

}  // namespace lia::http
