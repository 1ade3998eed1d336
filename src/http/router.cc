#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/server.h"

namespace lia::http {
namespace {

// Splits "/a/b/" into {"a", "b"}: one trailing slash is ignored (so
// "/api/v1/opportunities/" routes like "/api/v1/opportunities"), every other
// empty segment is kept so that "//" never matches a "{param}".
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  if (path.empty() || path.front() != '/') return segments;
  path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return segments;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      segments.push_back(path.substr(start));
      break;
    }
    segments.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return segments;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX; a malformed escape is kept literally. '+' stays '+' (paths).
std::string DecodeSegment(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

bool IsParam(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// Allow lists read best in the usual order, then anything exotic.
int MethodRank(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kOrder = {
      "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  auto it = std::find(kOrder.begin(), kOrder.end(), method);
  return static_cast<int>(it - kOrder.begin());
}

}  // namespace

std::string Request::Header(std::string_view lower_name) const {
  auto it = headers.find(std::string(lower_name));
  return it == headers.end() ? std::string() : it->second;
}

std::optional<std::string> Request::Query(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::vector<std::string> Request::QueryAll(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : query) {
    if (key == name) values.push_back(value);
  }
  return values;
}

void Router::Handle(std::string method, std::string pattern, Handler handler) {
  std::transform(method.begin(), method.end(), method.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  std::vector<std::string> segments;
  for (std::string_view s : SplitPath(pattern)) segments.emplace_back(s);
  // Same method and same shape (param names aside): the later one wins.
  for (Route& route : routes_) {
    if (route.method != method || route.segments.size() != segments.size()) {
      continue;
    }
    bool same = true;
    for (size_t i = 0; i < segments.size() && same; ++i) {
      bool a = IsParam(route.segments[i]);
      bool b = IsParam(segments[i]);
      same = a == b && (a || route.segments[i] == segments[i]);
    }
    if (same) {
      route.pattern = std::move(pattern);
      route.segments = std::move(segments);
      route.handler = std::move(handler);
      return;
    }
  }
  routes_.push_back(Route{std::move(method), std::move(pattern),
                          std::move(segments), std::move(handler)});
}

Router::Match Router::Find(std::string_view method,
                           std::string_view path) const {
  std::vector<std::string> segments;
  for (std::string_view s : SplitPath(path)) {
    segments.push_back(DecodeSegment(s));
  }

  // The routes whose pattern matches the path, keyed by which segments are
  // literal; the most literal key (compared left to right) is the resource
  // the path names, so /opportunities/stats beats /opportunities/{id}.
  std::vector<bool> best_key;
  std::vector<const Route*> best;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::vector<bool> key(segments.size());
    bool matches = true;
    for (size_t i = 0; i < segments.size() && matches; ++i) {
      if (IsParam(route.segments[i])) {
        matches = !segments[i].empty();
      } else {
        matches = route.segments[i] == segments[i];
        key[i] = true;
      }
    }
    if (!matches) continue;
    if (best.empty() || key > best_key) {
      best_key = std::move(key);
      best = {&route};
    } else if (key == best_key) {
      best.push_back(&route);
    }
  }

  Match match;
  if (best.empty()) return match;

  const Route* chosen = nullptr;
  const Route* get = nullptr;
  for (const Route* route : best) {
    if (route->method == method) chosen = route;
    if (route->method == "GET") get = route;
    if (std::find(match.allowed_methods.begin(), match.allowed_methods.end(),
                  route->method) == match.allowed_methods.end()) {
      match.allowed_methods.push_back(route->method);
    }
  }
  if (get != nullptr &&
      std::find(match.allowed_methods.begin(), match.allowed_methods.end(),
                "HEAD") == match.allowed_methods.end()) {
    match.allowed_methods.push_back("HEAD");
  }
  std::stable_sort(match.allowed_methods.begin(), match.allowed_methods.end(),
                   [](const std::string& a, const std::string& b) {
                     int ra = MethodRank(a);
                     int rb = MethodRank(b);
                     return ra != rb ? ra < rb : a < b;
                   });
  if (chosen == nullptr && method == "HEAD") chosen = get;
  if (chosen == nullptr) return match;

  match.handler = &chosen->handler;
  match.pattern = chosen->pattern;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& seg = chosen->segments[i];
    if (IsParam(seg)) {
      match.params[seg.substr(1, seg.size() - 2)] = std::move(segments[i]);
    }
  }
  return match;
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(routes_.size());
  for (const Route& route : routes_)
    out.emplace_back(route.method, route.pattern);
  return out;
}

}  // namespace lia::http
