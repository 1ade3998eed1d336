#pragma once

// The labelled corpus (shared/corpus/dev.jsonl) as messages, for benchmarks.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/types.h"

namespace lia::bench {

// $LIA_CORPUS when set, else the dev corpus beside the repository (the
// LIA_SHARED_DIR compiled in).
std::string CorpusPath();

// Reads a corpus file, one case per line ({"id", "sender", "thread",
// "message", ...}). NotFound when the file is missing, InvalidArgument naming
// the line when a case does not parse.
absl::StatusOr<std::vector<core::Message>> LoadCorpus(const std::string& path);

}  // namespace lia::bench
