// UTF-8 validity, and bytes that may not be UTF-8 (a Linux file name) made
// into text that names them readably.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace terrasim::sim {

// The length (1 to 4) of the UTF-8 sequence that starts at s[i], or 0 when
// the bytes there are none: a continuation byte alone, a lead byte without
// its continuation bytes, an overlong form, a surrogate, past U+10FFFF.
inline std::size_t utf8_length_at(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  std::size_t length = 0;
  std::uint32_t code = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2;
    code = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    length = 3;
    code = c & 0x0Fu;
  } else if (c >= 0xF0 && c <= 0xF4) {
    length = 4;
    code = c & 0x07u;
  }
  if (length == 0 || i + length > s.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    code = (code << 6) | (cc & 0x3Fu);
  }
  if ((length == 3 && code < 0x800) || (length == 4 && (code < 0x10000 || code > 0x10FFFF)) ||
      (code >= 0xD800 && code <= 0xDFFF))
    return 0;
  return length;
}

// `bytes` as UTF-8 text: each byte that is no part of a UTF-8 sequence
// written as the four characters \xNN (lowercase hex), as Python decodes
// with errors="backslashreplace"; UTF-8 text is returned as it is. For a
// file name that is not UTF-8 (Linux takes any bytes), where it goes into
// text: a run's provenance (JSON, CSV), a message.
inline std::string printable_utf8(std::string_view bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    if (const std::size_t length = utf8_length_at(bytes, i); length > 0) {
      out.append(bytes.substr(i, length));
      i += length;
      continue;
    }
    const auto c = static_cast<unsigned char>(bytes[i++]);
    out += "\\x";
    out += hex[c >> 4];
    out += hex[c & 0xF];
  }
  return out;
}

}  // namespace terrasim::sim
