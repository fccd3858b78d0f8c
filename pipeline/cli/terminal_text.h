// terminal_text.h — feed text made safe for a terminal: the human listings
// (query, dead-letter, alerts) print titles and reasons that come from feeds,
// and a control character in them (ESC, BEL, CR, backspace, a C1 control)
// would recolour the terminal, set its title or overwrite the line.
//
// Ownership: returns a new string. Threads: pure. Errors: none (invalid
// UTF-8 is left as it is; only control characters are replaced).
#pragma once

#include <string>
#include <string_view>

namespace newsflow::cli {

// `text` with each tab, line feed and carriage return replaced by a space
// (white space in a feed's text: U+FFFD there read as broken data), and
// every other C0 control, DEL and C1 control (U+0080..U+009F) by U+FFFD.
std::string TerminalText(std::string_view text);

}  // namespace newsflow::cli
