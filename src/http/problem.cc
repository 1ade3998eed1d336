#include <string>
#include <string_view>

#include "http/server.h"
#include "nlohmann/json.hpp"

namespace lia::http {
namespace {

constexpr std::string_view kProblemContentType = "application/problem+json";

// Handler text is user text: invalid UTF-8 is replaced, never thrown on.
std::string Dump(const nlohmann::json& body) {
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return status >= 500 ? "Server Error" : "Error";
  }
}

}  // namespace

Response Response::Json(int status, const nlohmann::json& body) {
  Response response;
  response.status = status;
  response.body = Dump(body);
  return response;
}

Response Problem(int status, std::string_view title, std::string_view detail,
                 const nlohmann::json* errors) {
  nlohmann::json body = {
      {"type", "about:blank"},
      {"title", title.empty() ? ReasonPhrase(status) : title},
      {"status", status},
  };
  if (!detail.empty()) body["detail"] = detail;
  if (errors != nullptr && !errors->is_null()) body["errors"] = *errors;
  Response response = Response::Json(status, body);
  response.content_type = kProblemContentType;
  return response;
}

Response ProblemFromStatus(const absl::Status& status) {
  int http = 500;
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      http = 422;
      break;
    case absl::StatusCode::kOutOfRange:
      http = 400;
      break;
    case absl::StatusCode::kNotFound:
      http = 404;
      break;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
      http = 409;
      break;
    case absl::StatusCode::kResourceExhausted:
      http = 429;
      break;
    case absl::StatusCode::kUnavailable:
      http = 503;
      break;
    case absl::StatusCode::kDeadlineExceeded:
      http = 504;
      break;
    case absl::StatusCode::kUnauthenticated:
      http = 401;
      break;
    case absl::StatusCode::kPermissionDenied:
      http = 403;
      break;
    default:
      http = 500;
      break;
  }
  // A 4xx message is written for the client; a 5xx message is written for
  // the operator (hosts, queries, stack details) and stays in the logs.
  std::string_view detail;
  switch (http) {
    case 503:
      detail = "The service is temporarily unavailable; retry later.";
      break;
    case 504:
      detail = "The operation did not finish in time.";
      break;
    case 500:
      detail = "An internal error occurred.";
      break;
    default:
      detail =
          std::string_view(status.message().data(), status.message().size());
      break;
  }
  Response response = Problem(http, "", detail);
  if (http == 401) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"lia\"");
  }
  // The database or a dependency is down or saturated: tell clients to
  // back off instead of retrying at once (RFC 9110 §10.2.3).
  if (http == 503) response.headers.emplace_back("Retry-After", "1");
  return response;
}

}  // namespace lia::http
