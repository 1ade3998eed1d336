#pragma once

// Places recruiters name: countries (in English, Spanish and Portuguese),
// regions (LATAM, Europe, EMEA), US states, and the cities where tech jobs
// are. Internal to the analysis module.

#include <string>
#include <string_view>
#include <vector>

#include "analysis/internal/doc.h"

namespace lia::analysis::internal {

struct PlaceHit {
  size_t first = 0;  // Token range, inclusive.
  size_t last = 0;
  bool is_region = false;  // A district that follows a neighbourhood:
                           // "Polanco, CDMX", "Palermo, CABA".
  std::string country;     // ISO 3166 code of the place, or "".
};

// Every place named in `doc`, in order. Names must be written capitalised
// ("Nice" the city, not "nice"); two-letter codes in capitals ("UK", "US").
// A place followed by ", <place>" is one hit: "Austin, Texas".
std::vector<PlaceHit> FindPlaces(const Doc& doc);

// True when the folded string is a known place name ("madrid", "uk").
bool IsKnownPlace(std::string_view folded);

}  // namespace lia::analysis::internal
