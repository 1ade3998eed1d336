#include "http/handler_util.h"

#include <charconv>
#include <utility>

#include "core/json.h"

namespace lia::http {

using nlohmann::json;

// A field-level validation failure: 422 with {"errors": [{field, message}]}.
void FieldErrors::Add(std::string field, std::string message) {
  errors.push_back(
      {{"field", std::move(field)}, {"message", std::move(message)}});
}

Response FieldErrors::ToResponse(int status) const {
  return Problem(status,
                 status == 400 ? "Bad Request" : "Unprocessable Content",
                 "The request has invalid fields.", &errors);
}

// Unknown query parameters are 400, never ignored: a typo in a filter must
// not silently return everything.
std::optional<Response> RejectUnknownParams(
    const Request& request, std::initializer_list<std::string_view> known) {
  FieldErrors errors;
  for (const auto& [name, value] : request.query) {
    bool found = false;
    for (std::string_view k : known) found = found || name == k;
    if (!found) errors.Add(name, "unknown query parameter");
  }
  if (errors.empty()) return std::nullopt;
  return errors.ToResponse(400);
}

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<int64_t> PathId(const Request& request, std::string_view name) {
  auto it = request.path_params.find(std::string(name));
  if (it == request.path_params.end()) return std::nullopt;
  std::optional<int64_t> id = ParseInt(it->second);
  if (!id || *id <= 0) return std::nullopt;
  return id;
}

Response BadId() {
  FieldErrors errors;
  errors.Add("id", "expected a positive integer");
  return errors.ToResponse(422);
}

absl::StatusOr<json> ParseBody(const Request& request) {
  if (request.body.empty()) {
    return absl::InvalidArgumentError("body: expected a JSON object");
  }
  absl::StatusOr<json> body = core::ParseJson(request.body);
  if (!body.ok()) return body.status();
  if (!body->is_object()) {
    return absl::InvalidArgumentError("body: expected a JSON object");
  }
  return body;
}

// InvalidArgument messages read "field: problem"; the field goes in errors.
Response InvalidInput(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kInvalidArgument) {
    return ProblemFromStatus(status);
  }
  const std::string message(status.message());
  const size_t colon = message.find(": ");
  FieldErrors errors;
  if (colon != std::string::npos && colon < 80 && message.find(' ') >= colon) {
    errors.Add(message.substr(0, colon), message.substr(colon + 2));
  } else {
    errors.Add("body", message);
  }
  return errors.ToResponse(422);
}

bool WantsWait(const Request& request, std::optional<Response>* bad) {
  const std::optional<std::string> wait = request.Query("wait");
  if (!wait || *wait == "false" || *wait == "0") return false;
  if (*wait == "true" || *wait == "1" || wait->empty()) return true;
  FieldErrors errors;
  errors.Add("wait", "expected true or false");
  *bad = errors.ToResponse(400);
  return false;
}

}  // namespace lia::http
