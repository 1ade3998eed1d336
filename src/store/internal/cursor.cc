#include "store/internal/cursor.h"

#include <string>

#include "absl/strings/escaping.h"
#include "nlohmann/json.hpp"

namespace lia::store::internal {

std::string EncodeCursor(const Cursor& cursor) {
  nlohmann::json j = {
      {"s", cursor.sort}, {"d", cursor.descending}, {"i", cursor.id}};
  if (const auto* n = std::get_if<int64_t>(&cursor.key)) {
    j["k"] = *n;
  } else {
    j["k"] = std::get<std::string>(cursor.key);
  }
  // replace: a company name with broken UTF-8 must not make dump() throw.
  return absl::WebSafeBase64Escape(
      j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

absl::StatusOr<Cursor> DecodeCursor(std::string_view text) {
  const absl::Status invalid =
      absl::InvalidArgumentError("cursor is not one this server issued");
  std::string raw;
  if (!absl::WebSafeBase64Unescape(absl::string_view(text.data(), text.size()),
                                   &raw))
    return invalid;
  nlohmann::json j = nlohmann::json::parse(raw, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return invalid;
  auto s = j.find("s");
  auto d = j.find("d");
  auto k = j.find("k");
  auto i = j.find("i");
  if (s == j.end() || !s->is_string() || d == j.end() || !d->is_boolean() ||
      k == j.end() || i == j.end() || !i->is_number_integer()) {
    return invalid;
  }
  Cursor cursor;
  cursor.sort = s->get<std::string>();
  cursor.descending = d->get<bool>();
  cursor.id = i->get<int64_t>();
  if (k->is_number_integer()) {
    cursor.key = k->get<int64_t>();
  } else if (k->is_string()) {
    cursor.key = k->get<std::string>();
  } else {
    return invalid;
  }
  return cursor;
}

}  // namespace lia::store::internal
