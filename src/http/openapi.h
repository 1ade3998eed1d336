#pragma once

// The API's description (DESIGN §7): an OpenAPI 3.1 document of every route
// RegisterApiV1 and RegisterDocs add, served at /openapi.json and browsable
// at /docs with Swagger UI, whose files are built into the binary (no CDN).

#include <string>

#include "nlohmann/json_fwd.hpp"

namespace lia::http {

class Router;

// The OpenAPI 3.1.0 document. Built from constant text on first use, then
// copied; thread-safe. openapi_test checks it against the router (every
// route documented, every documented operation routed), resolves every
// $ref, and validates real responses against its schemas; the redocly_lint
// test lints it with @redocly/cli.
nlohmann::json OpenApiDocument();

struct DocsOptions {
  // Default empty: keep the document's own info.version (the project
  // version). The server passes ApiContext::version.
  std::string version;
};

// Registers GET /openapi.json, GET /docs (Swagger UI) and
// GET /docs/assets/{file} (its scripts, stylesheet and icons). When this
// build has no Swagger UI files (LIA_DOCS_ASSETS=OFF, or npm unavailable at
// build time), /docs and its assets answer 503 problem+json saying so;
// /openapi.json always works.
void RegisterDocs(Router& router, const DocsOptions& options = {});

}  // namespace lia::http
