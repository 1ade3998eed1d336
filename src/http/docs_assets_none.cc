// The docs assets of a build configured without them: LIA_DOCS_ASSETS=OFF,
// or npm or python3 not found (docs_assets.cmake). /docs answers 503.

#include "http/docs_assets.h"

namespace lia::http::internal {

std::span<const DocsAsset> SwaggerUiAssets() { return {}; }

std::string_view SwaggerUiAssetsMissingReason() {
  return "this lia was built without the Swagger UI files "
         "(LIA_DOCS_ASSETS=OFF, or npm or python3 was not found when the "
         "build was configured); the OpenAPI document is at /openapi.json";
}

}  // namespace lia::http::internal
