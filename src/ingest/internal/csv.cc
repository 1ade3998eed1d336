#include "ingest/internal/csv.h"

namespace lia::ingest::internal {

CsvReader::CsvReader(std::string_view text, size_t max_fields)
    : text_(text), max_fields_(max_fields) {
  if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
}

bool CsvReader::Next(CsvRecord* record) {
  if (pos_ >= text_.size()) return false;
  record->line = line_;
  record->field_count = 0;
  record->unterminated_quote = false;
  // Reuse the strings of the previous record: most records have the same
  // shape, so steady-state reading allocates nothing.
  size_t used = 0;
  std::string* field = nullptr;
  auto start_field = [&] {
    ++record->field_count;
    if (used < max_fields_) {
      if (used == record->fields.size()) record->fields.emplace_back();
      field = &record->fields[used++];
      field->clear();
    } else {
      field = nullptr;
    }
  };
  auto append = [&](std::string_view bytes) {
    if (field != nullptr) field->append(bytes);
  };

  const size_t n = text_.size();
  start_field();
  bool quoted = false;   // Inside a quoted section.
  bool at_start = true;  // Nothing read yet for the current field.
  while (pos_ < n) {
    if (quoted) {
      // Copy the run up to the next quote in one go; count its line breaks.
      const size_t quote = text_.find('"', pos_);
      const size_t end = quote == std::string_view::npos ? n : quote;
      const std::string_view run = text_.substr(pos_, end - pos_);
      for (size_t i = 0; i < run.size(); ++i) {
        if (run[i] == '\n' ||
            (run[i] == '\r' && (i + 1 == run.size() || run[i + 1] != '\n'))) {
          ++line_;
        }
      }
      append(run);
      pos_ = end;
      if (quote == std::string_view::npos) {
        record->unterminated_quote = true;
        break;
      }
      if (pos_ + 1 < n && text_[pos_ + 1] == '"') {
        append("\"");
        pos_ += 2;
      } else {
        quoted = false;
        ++pos_;
      }
      continue;
    }
    const char c = text_[pos_];
    if (c == ',') {
      ++pos_;
      start_field();
      at_start = true;
      continue;
    }
    if (c == '\n' || c == '\r') {
      pos_ += (c == '\r' && pos_ + 1 < n && text_[pos_ + 1] == '\n') ? 2 : 1;
      ++line_;
      break;
    }
    if (c == '"' && at_start) {
      quoted = true;
      at_start = false;
      ++pos_;
      continue;
    }
    // An unquoted run up to the next delimiter, copied at once.
    size_t end = pos_;
    while (end < n && text_[end] != ',' && text_[end] != '\n' &&
           text_[end] != '\r') {
      ++end;
    }
    append(text_.substr(pos_, end - pos_));
    pos_ = end;
    at_start = false;
  }
  record->fields.resize(used);
  return true;
}

}  // namespace lia::ingest::internal
