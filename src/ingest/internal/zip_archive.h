#pragma once

// The one file lia needs from LinkedIn's export archive.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace lia::ingest::internal {

// True when `bytes` starts like a zip archive (a local file header, or the
// end-of-central-directory record of an empty archive).
bool LooksLikeZip(std::string_view bytes);

// The contents of the entry named `file_name` (compared case-insensitively,
// at any depth; the shallowest wins, then the first in the archive).
// InvalidArgument when the archive cannot be read, has no such entry, or the
// entry is larger than max_bytes uncompressed — checked against the
// declared size and again while inflating, since a zip bomb can lie.
absl::StatusOr<std::string> ExtractFromZip(std::string_view zip,
                                           std::string_view file_name,
                                           int64_t max_bytes);

}  // namespace lia::ingest::internal
