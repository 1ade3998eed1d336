#pragma once

// What the API handlers share (api_v1.cc, jobs_api.cc): field errors,
// query and path parsing, body parsing. Internal to lia_http.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "http/server.h"
#include "nlohmann/json.hpp"

namespace lia::http {

// A field-level validation failure: 422 with {"errors": [{field, message}]}.
struct FieldErrors {
  nlohmann::json errors = nlohmann::json::array();
  void Add(std::string field, std::string message);
  bool empty() const { return errors.empty(); }
  Response ToResponse(int status = 422) const;
};

// Unknown query parameters are 400, never ignored: a typo in a filter must
// not silently return everything.
std::optional<Response> RejectUnknownParams(
    const Request& request, std::initializer_list<std::string_view> known);

std::optional<int64_t> ParseInt(std::string_view s);

// The positive integer path parameter `name`; nullopt otherwise.
std::optional<int64_t> PathId(const Request& request,
                              std::string_view name = "id");

// 422 naming the id.
Response BadId();

// The body as a JSON object; InvalidArgument ("body: ...") otherwise.
absl::StatusOr<nlohmann::json> ParseBody(const Request& request);

// InvalidArgument as 422 with the field of a "field: problem" message; any
// other status through ProblemFromStatus.
Response InvalidInput(const absl::Status& status);

// ?wait=true|false (default false): answer when the work is done instead of
// 202 with its job. Sets *bad to a 400 for any other value.
bool WantsWait(const Request& request, std::optional<Response>* bad);

}  // namespace lia::http
