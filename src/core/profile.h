#pragma once

// The candidate profile in YAML (config/profile.example.yaml).

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/types.h"

namespace lia::core {

// Parses and validates a profile. A bad profile is InvalidArgument with a
// message naming the field and its line, e.g.
//   "profile line 7: minimum_salary_usd: expected a non-negative integer"
// Unknown keys are refused the same way (a typo must not silently drop a
// preference). Missing keys take the defaults of core::Profile.
absl::StatusOr<Profile> ParseProfileYaml(std::string_view yaml);

// Reads and parses a file; NotFound when it does not exist.
absl::StatusOr<Profile> LoadProfileFile(const std::string& path);

// Checks cross-field rules (ideal >= minimum salary, known reject_if rules,
// non-negative numbers). Used by the YAML and JSON paths alike.
absl::Status ValidateProfile(const Profile& profile);

// A reasonable profile for a laptop with no profile file yet.
Profile DefaultProfile();

}  // namespace lia::core
