#pragma once

// GET /metrics and GET /api/v1/metrics: a Registry in the Prometheus text
// format 0.0.4 (DESIGN §8).
//
// /metrics sits outside /api, so the server never asks it for a token (like
// /health): Prometheus scrapes it without credentials, which is the
// convention on a private network; where the network is not private, put
// lia behind a proxy that does not forward /metrics. /api/v1/metrics serves
// the same body under the API's bearer-token auth (when the server requires
// it), for clients that hold a token rather than network access.

namespace lia::obs {
class Registry;
}  // namespace lia::obs

namespace lia::http {

class Router;

// Registers both routes (HEAD too, through GET). The registry must outlive
// the router; every request renders it anew (Registry::Expose), running its
// scrape-time callbacks on the request's thread.
void RegisterMetricsRoutes(Router& router, const obs::Registry& registry);

}  // namespace lia::http
