#pragma once

// The text part of a message's dedupe key (DESIGN §1.1).

#include <string>
#include <string_view>

namespace lia::store::internal {

// Lower-case hex SHA-256 of the text with leading and trailing whitespace
// removed, so a re-import that trims or pads the text still matches. A
// standard digest rather than a fast 64-bit hash because it is stored: every
// implementation (and PostgreSQL's own sha256()) must compute the same value,
// and it must never change between versions.
std::string TextHash(std::string_view text);

// Plain SHA-256 of the bytes, lower-case hex. Exposed for its test vectors.
std::string Sha256Hex(std::string_view bytes);

}  // namespace lia::store::internal
