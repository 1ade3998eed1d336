#pragma once

// The Swagger UI files /docs serves, embedded at build time from
// swagger-ui-dist (tools/api-docs, installed by npm ci into the build
// directory; see docs_assets.cmake). Private to lia_http.

#include <span>
#include <string_view>

namespace lia::http::internal {

struct DocsAsset {
  std::string_view name;  // "swagger-ui-bundle.js": the last path segment.
  std::string_view content_type;
  std::string_view bytes;
};

// The embedded files; empty when this build has none. Static storage.
std::span<const DocsAsset> SwaggerUiAssets();

// Why SwaggerUiAssets() is empty; empty when it is not.
std::string_view SwaggerUiAssetsMissingReason();

}  // namespace lia::http::internal
