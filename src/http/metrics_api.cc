#include "http/metrics_api.h"

#include <string>
#include <utility>

#include "http/server.h"
#include "obs/metrics.h"

namespace lia::http {

void RegisterMetricsRoutes(Router& router, const obs::Registry& registry) {
  const obs::Registry* r = &registry;
  Handler scrape = [r](const Request&) {
    Response response;
    response.content_type = std::string(obs::kExpositionContentType);
    response.body = r->Expose();
    return response;
  };
  router.Handle("GET", "/metrics", scrape);
  router.Handle("GET", "/api/v1/metrics", std::move(scrape));
}

}  // namespace lia::http
