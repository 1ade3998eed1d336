// OpenCacheFromUrl and ParseRedisUrl: LIA_CACHE_URL to a Cache (DESIGN §4).
//
// Error messages quote the part of the URL that is wrong, never the whole
// URL: it may hold a password, and the app logs configuration errors.

#include <charconv>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "cache/cache.h"

namespace lia::cache {
namespace {

// Debian's absl::string_view is its own type, not std::string_view.
absl::string_view Absl(std::string_view s) { return {s.data(), s.size()}; }

absl::Status Invalid(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("cache URL: ", Absl(what)));
}

absl::StatusOr<int64_t> ParseInteger(std::string_view name,
                                     std::string_view text, int64_t min,
                                     int64_t max) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < min ||
      value > max) {
    return Invalid(absl::StrCat("bad ", Absl(name), " \"", Absl(text),
                                "\" (want an integer from ", min, " to ", max,
                                ")"));
  }
  return value;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_tolower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 3986 percent-decoding, so a password may hold ':', '@' or '/'.
absl::StatusOr<std::string> PercentDecode(std::string_view name,
                                          std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    const int hi = i + 1 < text.size() ? HexDigit(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? HexDigit(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return Invalid(absl::StrCat("bad percent-encoding in ", Absl(name)));
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

struct Parameter {
  std::string name;
  std::string value;
};

// "a=1&b=2" to its decoded pairs. An empty query has none.
absl::StatusOr<std::vector<Parameter>> ParseQuery(std::string_view query) {
  std::vector<Parameter> out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view()
                                          : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      return Invalid(absl::StrCat("parameter \"", Absl(pair),
                                  "\" has no value (want name=value)"));
    }
    absl::StatusOr<std::string> name =
        PercentDecode("a parameter name", pair.substr(0, eq));
    if (!name.ok()) return name.status();
    absl::StatusOr<std::string> value =
        PercentDecode(*name, pair.substr(eq + 1));
    if (!value.ok()) return value.status();
    out.push_back({*std::move(name), *std::move(value)});
  }
  return out;
}

struct SplitUrl {
  std::string scheme;  // Lower case.
  std::string_view rest;
  std::string_view query;
};

absl::StatusOr<SplitUrl> Split(std::string_view url) {
  const size_t colon = url.find("://");
  if (colon == std::string_view::npos) {
    return Invalid("want memory:// or redis://host[:port][/db]");
  }
  SplitUrl out;
  out.scheme = absl::AsciiStrToLower(Absl(url.substr(0, colon)));
  out.rest = url.substr(colon + 3);
  if (const size_t q = out.rest.find('?'); q != std::string_view::npos) {
    out.query = out.rest.substr(q + 1);
    out.rest = out.rest.substr(0, q);
  }
  if (const size_t hash = out.rest.find('#'); hash != std::string_view::npos) {
    return Invalid("a fragment ('#') has no meaning here");
  }
  return out;
}

std::chrono::milliseconds Millis(int64_t n) {
  return std::chrono::milliseconds(n);
}

absl::StatusOr<MemoryCacheOptions> ParseMemoryUrl(
    const SplitUrl& url, const MemoryCacheOptions& defaults) {
  if (!url.rest.empty() && url.rest != "/") {
    return Invalid(
        "memory:// takes no host or path; options go in the query "
        "(memory://?max_bytes=N)");
  }
  absl::StatusOr<std::vector<Parameter>> query = ParseQuery(url.query);
  if (!query.ok()) return query.status();
  MemoryCacheOptions options = defaults;
  for (const Parameter& p : *query) {
    if (p.name == "max_bytes") {
      absl::StatusOr<int64_t> n =
          ParseInteger(p.name, p.value, 0, int64_t{1} << 50);
      if (!n.ok()) return n.status();
      options.max_bytes = *n;
    } else if (p.name == "shards") {
      absl::StatusOr<int64_t> n = ParseInteger(p.name, p.value, 1, 1024);
      if (!n.ok()) return n.status();
      options.shards = static_cast<int>(*n);
    } else {
      return Invalid(absl::StrCat("unknown memory:// parameter \"", p.name,
                                  "\" (known: max_bytes, shards)"));
    }
  }
  return options;
}

}  // namespace

absl::StatusOr<RedisCacheOptions> ParseRedisUrl(
    std::string_view text, const RedisCacheOptions& defaults) {
  absl::StatusOr<SplitUrl> url = Split(text);
  if (!url.ok()) return url.status();
  if (url->scheme == "rediss") {
    return Invalid("rediss:// (TLS) is not supported: hiredis 0.14 has no TLS");
  }
  if (url->scheme != "redis") {
    return Invalid(absl::StrCat("scheme \"", url->scheme,
                                "\" is not redis (want redis://host...)"));
  }
  RedisCacheOptions options = defaults;

  std::string_view authority = url->rest;
  std::string_view path;
  if (const size_t slash = authority.find('/');
      slash != std::string_view::npos) {
    path = authority.substr(slash + 1);
    authority = authority.substr(0, slash);
  }

  // [[username]:password@]: the last '@', as an unencoded '@' can only end
  // the userinfo.
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      return Invalid(
          "user information needs ':' before the password "
          "(redis://:password@host or redis://user:password@host)");
    }
    absl::StatusOr<std::string> username =
        PercentDecode("the username", userinfo.substr(0, colon));
    if (!username.ok()) return username.status();
    absl::StatusOr<std::string> password =
        PercentDecode("the password", userinfo.substr(colon + 1));
    if (!password.ok()) return password.status();
    options.username = *std::move(username);
    options.password = *std::move(password);
  }

  // host[:port], or [v6 address][:port].
  std::string_view host = authority;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos) {
      return Invalid("'[' opens an IPv6 address that no ']' closes");
    }
    const std::string_view after = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return Invalid("want ':port' after the IPv6 address");
      }
      port = after.substr(1);
      if (port.empty()) return Invalid("bad port \"\" (want 1 to 65535)");
    }
  } else if (const size_t colon = host.find(':');
             colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (port.empty()) return Invalid("bad port \"\" (want 1 to 65535)");
  }
  if (!host.empty()) options.host = std::string(host);
  if (!port.empty()) {
    absl::StatusOr<int64_t> n = ParseInteger("port", port, 1, 65535);
    if (!n.ok()) return n.status();
    options.port = static_cast<int>(*n);
  }
  if (!path.empty()) {
    absl::StatusOr<int64_t> n = ParseInteger("db", path, 0, 1 << 30);
    if (!n.ok()) return n.status();
    options.db = static_cast<int>(*n);
  }

  absl::StatusOr<std::vector<Parameter>> query = ParseQuery(url->query);
  if (!query.ok()) return query.status();
  for (Parameter& p : *query) {
    if (p.name == "prefix") {
      options.key_prefix = std::move(p.value);
    } else if (p.name == "pool_size") {
      absl::StatusOr<int64_t> n = ParseInteger(p.name, p.value, 1, 1024);
      if (!n.ok()) return n.status();
      options.pool_size = static_cast<int>(*n);
    } else if (p.name == "connect_timeout_ms") {
      absl::StatusOr<int64_t> n = ParseInteger(p.name, p.value, 1, 60000);
      if (!n.ok()) return n.status();
      options.connect_timeout = Millis(*n);
    } else if (p.name == "command_timeout_ms") {
      absl::StatusOr<int64_t> n = ParseInteger(p.name, p.value, 1, 60000);
      if (!n.ok()) return n.status();
      options.command_timeout = Millis(*n);
    } else {
      return Invalid(
          absl::StrCat("unknown redis:// parameter \"", p.name,
                       "\" (known: prefix, pool_size, connect_timeout_ms, "
                       "command_timeout_ms)"));
    }
  }
  return options;
}

absl::StatusOr<std::unique_ptr<Cache>> OpenCacheFromUrl(
    std::string_view text, const CacheUrlDefaults& defaults) {
  absl::StatusOr<SplitUrl> url = Split(text);
  if (!url.ok()) return url.status();
  if (url->scheme == "memory") {
    absl::StatusOr<MemoryCacheOptions> options =
        ParseMemoryUrl(*url, defaults.memory);
    if (!options.ok()) return options.status();
    return NewMemoryCache(*options);
  }
  if (url->scheme == "redis" || url->scheme == "rediss") {
    absl::StatusOr<RedisCacheOptions> options =
        ParseRedisUrl(text, defaults.redis);
    if (!options.ok()) return options.status();
    return NewRedisCache(*options);
  }
  return Invalid(absl::StrCat("unsupported scheme \"", url->scheme,
                              "\" (want memory:// or redis://)"));
}

}  // namespace lia::cache
