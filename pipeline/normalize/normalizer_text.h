// normalizer_text.h — private helpers of the normalizer: strict UTF-8
// decoding/encoding, HTML character references and HTML markup recognition.
// Shared by Normalize() and NormalizedText::MapBack(), which must agree on
// what one input unit is. Not part of the public API.
//
// Ownership: Markup is a plain value. Threads: pure functions. Errors: none;
// a unit that does not parse is reported by a 0 length or false.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace newsflow::pipeline::normalizer_internal {

// Decodes one UTF-8 sequence at p (p < end). Returns its length (1..4) and sets
// *cp, or returns 0 if the bytes at p do not start a valid sequence (stray
// continuation byte, overlong form, surrogate, > U+10FFFF, truncation): the
// caller drops one byte and retries at p + 1.
inline int DecodeUtf8(const unsigned char* p, const unsigned char* end, uint32_t* cp) {
  const uint32_t c0 = p[0];
  if (c0 < 0x80) {
    *cp = c0;
    return 1;
  }
  const ptrdiff_t avail = end - p;
  if (c0 < 0xC2) return 0;  // continuation byte or overlong 2-byte lead
  if (c0 < 0xE0) {
    if (avail < 2 || (p[1] & 0xC0) != 0x80) return 0;
    *cp = ((c0 & 0x1F) << 6) | (p[1] & 0x3F);
    return 2;
  }
  if (c0 < 0xF0) {
    if (avail < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
    const uint32_t v = ((c0 & 0x0F) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
    if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return 3;
  }
  if (c0 < 0xF5) {
    if (avail < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
        (p[3] & 0xC0) != 0x80) {
      return 0;
    }
    const uint32_t v = ((c0 & 0x07) << 18) | ((p[1] & 0x3Fu) << 12) |
                       ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
    if (v < 0x10000 || v > 0x10FFFF) return 0;
    *cp = v;
    return 4;
  }
  return 0;
}

// Writes cp (a valid scalar value) as UTF-8 to out; returns the length.
inline int EncodeUtf8(uint32_t cp, char* out) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

// Parses an HTML character reference at s (s[0] == '&'): a named one from a
// fixed table (&amp; &nbsp; &ldquo; ... ; names are case-sensitive) or a
// numeric one (&#NNN; &#xHH;; &#128;..&#159; are read as windows-1252, as HTML
// does). The ';' is required. Returns the reference's length and sets *cp, or
// 0 when s does not start a valid reference (then '&' is literal text).
// Guarantee relied on by Normalize: the UTF-8 length of *cp never exceeds the
// reference's length.
size_t ParseEntity(std::string_view s, uint32_t* cp);

// What a '<' at some position starts.
struct Markup {
  enum Kind {
    kText,     // not markup: the '<' is a literal character
    kComment,  // <!-- ... --> (unterminated: to the end of input)
    kOther,    // <!DOCTYPE ...>, <![CDATA[...]>, <?...?>: dropped
    kTag,      // <name ...> or </name ...>
  };
  Kind kind = kText;
  size_t length = 0;        // bytes from '<' to just past the unit
  bool closing = false;     // </name>
  bool block = false;       // name is a block-level element: acts as a space
  bool raw_text = false;    // opening <script> or <style> (not self-closing)
  std::string_view raw_text_name;  // "script" or "style" when raw_text
};

// Recognizes markup at s[pos] == '<'. A tag is '<' or '</' followed by an
// ASCII letter, up to the first '>' outside a quoted attribute value (a quote
// opens a value only right after '='). If the quoted scan finds no '>', the
// first '>' is used; if there is none, the '<' is literal text. last_gt is the
// offset of the last '>' in s (or npos if none): it bounds every scan, so a
// run of unterminated '<' costs linear time.
Markup ParseMarkup(std::string_view s, size_t pos, size_t last_gt);

// Offset just past the end tag "</name ...>" of a raw-text element whose
// contents start at `from` (name is "script" or "style", ASCII-case-insensitive
// match), or s.size() if there is none (the contents run to the end).
size_t SkipRawText(std::string_view s, size_t from, std::string_view name);

// Length of the input unit starting at s[pos] that Normalize() attributes an
// output code point to: an entity, a tag or comment, or one UTF-8 sequence
// (1 for an invalid byte). Clamped to s.size() - pos. Used by MapBack.
size_t SourceUnitLength(std::string_view s, size_t pos);

}  // namespace newsflow::pipeline::normalizer_internal
