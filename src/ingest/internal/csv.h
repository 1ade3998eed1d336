#pragma once

// An RFC 4180 CSV reader, lenient where real files are: records end at CRLF,
// LF or a lone CR; a quote inside an unquoted field is an ordinary character;
// text after a closing quote is kept. One pass over the input, no
// backtracking, so any bytes are read in linear time.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lia::ingest::internal {

struct CsvRecord {
  int64_t line = 0;  // 1-based physical line where the record starts.
  // The first max_fields fields, unquoted; field_count says how many there
  // were, so a hostile line of commas costs no memory.
  std::vector<std::string> fields;
  int64_t field_count = 0;
  bool unterminated_quote = false;  // A quoted field ran to the end of input.
};

// Reads records one at a time from `text`, which must outlive the reader. A
// leading UTF-8 byte order mark is skipped. Not thread-safe.
class CsvReader {
 public:
  static constexpr size_t kDefaultMaxFields = 4096;

  explicit CsvReader(std::string_view text,
                     size_t max_fields = kDefaultMaxFields);

  // Fills *record with the next record and returns true, or returns false at
  // the end of input. An empty input has no records; a trailing line break
  // does not start one.
  bool Next(CsvRecord* record);

 private:
  std::string_view text_;
  size_t max_fields_;
  size_t pos_ = 0;
  int64_t line_ = 1;
};

}  // namespace lia::ingest::internal
