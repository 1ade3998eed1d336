# Swagger UI for /docs, built into lia (DESIGN §3: real tools, no CDN).
# Included by src/http/CMakeLists.txt; defines the library
# lia_http_docs_assets, which lia_http links.
#
# At build time, `npm ci` of tools/api-docs (swagger-ui-dist and, for the
# redocly_lint test, @redocly/cli, both pinned by its package-lock.json)
# installs into <build>/api-docs, and src/http/docs_assets.py embeds the
# Swagger UI files into a generated .cc. npm runs again only when
# package.json, package-lock.json or the script change (the stamp), or after
# a failed install. Without npm or python3, or with -DLIA_DOCS_ASSETS=OFF,
# docs_assets_none.cc stands in and /docs answers 503.

option(LIA_DOCS_ASSETS
       "Embed Swagger UI for /docs (npm ci of tools/api-docs at build time)" ON)

# Where node_modules goes; tests/openapi finds @redocly/cli there.
set(LIA_API_DOCS_DIR "${CMAKE_BINARY_DIR}/api-docs" CACHE INTERNAL
    "npm ci of tools/api-docs installs here")
set(LIA_API_DOCS_NPM_STAMP "" CACHE INTERNAL
    "Exists once npm ci of tools/api-docs has succeeded; empty: not tried")

set(_lia_docs_sources "${CMAKE_CURRENT_LIST_DIR}/docs_assets_none.cc")
if(LIA_DOCS_ASSETS)
  find_program(LIA_NPM npm)
  find_package(Python3 COMPONENTS Interpreter)
  if(NOT LIA_NPM)
    message(WARNING "npm not found: lia is built without Swagger UI and "
                    "/docs answers 503 (-DLIA_DOCS_ASSETS=OFF silences this)")
  elseif(NOT Python3_Interpreter_FOUND)
    message(WARNING "python3 not found: lia is built without Swagger UI and "
                    "/docs answers 503 (-DLIA_DOCS_ASSETS=OFF silences this)")
  else()
    set(_lia_docs_tool "${CMAKE_CURRENT_LIST_DIR}/docs_assets.py")
    set(_lia_docs_npm_dir "${PROJECT_SOURCE_DIR}/tools/api-docs")
    set(_lia_docs_stamp "${LIA_API_DOCS_DIR}/npm-ci.stamp")
    set(_lia_docs_generated "${CMAKE_CURRENT_BINARY_DIR}/docs_assets_embedded.cc")
    set(LIA_API_DOCS_NPM_STAMP "${_lia_docs_stamp}" CACHE INTERNAL "")
    add_custom_command(
      OUTPUT "${_lia_docs_stamp}"
      COMMAND Python3::Interpreter "${_lia_docs_tool}" npm-ci
              --npm "${LIA_NPM}" --source "${_lia_docs_npm_dir}"
              --work "${LIA_API_DOCS_DIR}" --stamp "${_lia_docs_stamp}"
      DEPENDS "${_lia_docs_npm_dir}/package.json"
              "${_lia_docs_npm_dir}/package-lock.json" "${_lia_docs_tool}"
      COMMENT "npm ci of tools/api-docs (swagger-ui-dist, @redocly/cli)"
      VERBATIM)
    add_custom_command(
      OUTPUT "${_lia_docs_generated}"
      COMMAND Python3::Interpreter "${_lia_docs_tool}" embed
              --dist "${LIA_API_DOCS_DIR}/node_modules/swagger-ui-dist"
              --stamp "${_lia_docs_stamp}" --out "${_lia_docs_generated}"
      DEPENDS "${_lia_docs_stamp}" "${_lia_docs_tool}"
      COMMENT "Embedding Swagger UI into lia"
      VERBATIM)
    set(_lia_docs_sources "${_lia_docs_generated}")
  endif()
endif()

add_library(lia_http_docs_assets STATIC ${_lia_docs_sources})
target_include_directories(lia_http_docs_assets PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_compile_options(lia_http_docs_assets PRIVATE ${LIA_WARNINGS})
target_compile_features(lia_http_docs_assets PRIVATE cxx_std_20)
