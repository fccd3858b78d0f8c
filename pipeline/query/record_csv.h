// record_csv.h — CSV rows for stored records (`query --csv [--fields ...]`).
//
// RFC 4180: comma-separated, CRLF line ends, a field quoted (with "" for a
// quote) when it holds a comma, quote, CR or LF, or starts or ends with a
// space. A field a spreadsheet would run as a formula (it starts with = + -
// @, a tab or a CR, and is not a plain number) is written after a ' so that
// it shows as text (CSV injection). Text is valid UTF-8 (invalid bytes become U+FFFD). List fields
// (stocks, stock_codes, tags, scores, also) join their items with ';'.
//
// Pure functions; thread-safe. ParseCsvFields returns false with the
// unknown name in *error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "newsflow/storage/record.h"
#include "pipeline/query/time_zone.h"

namespace newsflow::pipeline {

// The column names, in the order --help lists them.
const std::vector<std::string>& CsvFieldNames();
// What `--csv` prints without --fields.
inline constexpr std::string_view kDefaultCsvFields = "key,source,time,time_ms,title,tags,stock_codes";

// "key,title" -> {"key", "title"}; false for an empty or unknown name.
bool ParseCsvFields(std::string_view list, std::vector<std::string>* out, std::string* error);

// One CSV field, quoted when needed (no line end).
std::string CsvEscape(std::string_view field);

// The header row (with CRLF).
std::string CsvHeader(const std::vector<std::string>& fields);

// One record as a row (with CRLF). `zone` serves the local_time column;
// `also` (may be null) the also column.
std::string RecordToCsv(const storage::Record& r, const std::vector<std::string>& fields, const TimeZone& zone,
                        const std::vector<std::string>* also);

}  // namespace newsflow::pipeline
