// The profile parser alone: arbitrary bytes as YAML -> core::ParseProfileYaml.
// It must never throw (yaml-cpp's exceptions stay inside the adapter, STYLE
// habit 2): an escaping exception aborts and the fuzzer reports the input.
// A profile it accepts must also pass ValidateProfile and survive the JSON
// path (ToJson, ProfileFromJson), which the API uses.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/json.h"
#include "core/profile.h"
#include "core/types.h"
#include "fuzz_check.h"
#include "nlohmann/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<lia::core::Profile> profile =
      lia::core::ParseProfileYaml(yaml);
  if (!profile.ok()) {
    LIA_FUZZ_CHECK(!profile.status().message().empty(),
                   "an error names the field and line");
    return 0;
  }
  absl::Status valid = lia::core::ValidateProfile(*profile);
  LIA_FUZZ_CHECK(valid.ok(), valid.ToString());

  const nlohmann::json json = lia::core::ToJson(*profile);
  // Profile strings are the user's bytes; replace, not strict, here.
  const std::string out =
      json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  LIA_FUZZ_CHECK(!out.empty(), "empty JSON");
  absl::StatusOr<lia::core::Profile> back = lia::core::ProfileFromJson(json);
  LIA_FUZZ_CHECK(back.ok(), back.status().ToString());
  return 0;
}
