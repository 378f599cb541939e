// Decompressor: inflates a gzip or deflate Content-Encoding with zlib, chunk by chunk.
//
// "gzip" is inflated with zlib's gzip wrapper. "deflate" means the zlib format in RFC
// 9110, but some servers send raw deflate; the first chunk decides (a zlib header
// checks out or it does not), as aiohttp and browsers do.
#pragma once

#include <zlib.h>

#include <string>
#include <string_view>

namespace corio::http::detail {

class Decompressor {
 public:
  /// `encoding`: "gzip", "x-gzip" or "deflate".
  explicit Decompressor(std::string_view encoding);
  ~Decompressor();
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  /// True when Content-Encoding `encoding` is one this class inflates.
  static bool supports(std::string_view encoding) noexcept;
  /// Appends the inflated form of `data` to `out`. Throws std::runtime_error with
  /// zlib's message on corrupt input.
  void decompress(std::string_view data, std::string& out);
  /// True once the compressed stream's end marker was seen.
  bool finished() const noexcept { return finished_; }

 private:
  void init(int window_bits);
  z_stream z_{};
  bool deflate_;
  bool started_ = false;
  bool finished_ = false;
  bool initialized_ = false;
};

}  // namespace corio::http::detail
