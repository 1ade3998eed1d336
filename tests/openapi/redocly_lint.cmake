# The redocly_lint test: dumps lia's OpenAPI document and lints it with
# @redocly/cli (pinned in tools/api-docs, installed by the build's npm ci).
#   cmake -DDUMP=openapi_dump -DREDOCLY=.../node_modules/.bin/redocly
#         -DCONFIG=redocly.yaml -DSTAMP=npm-ci.stamp -DOUT=openapi.json
#         -P redocly_lint.cmake
# Prints "SKIPPED: ..." (the test's SKIP_REGULAR_EXPRESSION) when npm ci did
# not succeed, so an offline build reports the lint as skipped, not passed.

foreach(var DUMP REDOCLY CONFIG STAMP OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "redocly_lint.cmake: -D${var}=... is required")
  endif()
endforeach()

if(NOT EXISTS "${STAMP}" OR NOT EXISTS "${REDOCLY}")
  message("SKIPPED: @redocly/cli is not installed: npm ci of tools/api-docs "
          "has not succeeded (see the build log); build again with the npm "
          "registry reachable")
  return()
endif()

execute_process(COMMAND "${DUMP}" "${OUT}" RESULT_VARIABLE dumped)
if(NOT dumped EQUAL 0)
  message(FATAL_ERROR "openapi_dump failed (${dumped})")
endif()

# No telemetry, no update check: the test must not reach the network.
set(ENV{REDOCLY_TELEMETRY} "off")
set(ENV{REDOCLY_SUPPRESS_UPDATE_NOTICE} "true")
set(ENV{NO_COLOR} "1")
execute_process(
  COMMAND "${REDOCLY}" lint --config "${CONFIG}" --format=stylish "${OUT}"
  RESULT_VARIABLE linted)
if(NOT linted EQUAL 0)
  message(FATAL_ERROR "redocly lint found problems in ${OUT} (exit ${linted})")
endif()
message("redocly lint: no errors, no warnings")
