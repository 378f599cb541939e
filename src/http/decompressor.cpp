// Decompressor: zlib inflate for Content-Encoding gzip / deflate (see decompressor.hpp).
#include "decompressor.hpp"

#include <stdexcept>

#include "corio/http/multidict.hpp"

namespace corio::http::detail {

Decompressor::Decompressor(std::string_view encoding) : deflate_(iequals(encoding, "deflate")) {
  init(deflate_ ? 15 : 16 + 15);
}

Decompressor::~Decompressor() {
  if (initialized_) inflateEnd(&z_);
}

bool Decompressor::supports(std::string_view encoding) noexcept {
  return iequals(encoding, "gzip") || iequals(encoding, "x-gzip") || iequals(encoding, "deflate");
}

void Decompressor::init(int window_bits) {
  if (initialized_) inflateEnd(&z_);
  z_ = z_stream{};
  if (inflateInit2(&z_, window_bits) != Z_OK) throw std::runtime_error("zlib inflateInit2 failed");
  initialized_ = true;
}

void Decompressor::decompress(std::string_view data, std::string& out) {
  if (!started_ && deflate_ && !data.empty()) {
    // A zlib stream starts with CMF/FLG such that (CMF*256 + FLG) % 31 == 0 and
    // method 8; anything else is raw deflate.
    bool zlib_header = data.size() >= 2 && (static_cast<unsigned char>(data[0]) & 0x0F) == 8 &&
                       ((static_cast<unsigned char>(data[0]) << 8) | static_cast<unsigned char>(data[1])) % 31 == 0;
    if (!zlib_header) init(-15);
  }
  started_ = true;
  z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z_.avail_in = static_cast<uInt>(data.size());
  char buf[16384];
  while (z_.avail_in > 0 && !finished_) {
    z_.next_out = reinterpret_cast<Bytef*>(buf);
    z_.avail_out = sizeof buf;
    int rc = inflate(&z_, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z_.avail_out);
    if (rc == Z_STREAM_END) {
      finished_ = true;
    } else if (rc == Z_BUF_ERROR) {
      break;  // needs more input
    } else if (rc != Z_OK) {
      throw std::runtime_error(std::string("cannot decompress the body: ") + (z_.msg ? z_.msg : "zlib error"));
    }
  }
  // Drain what inflate still holds once the input is used up.
  while (!finished_) {
    z_.next_out = reinterpret_cast<Bytef*>(buf);
    z_.avail_out = sizeof buf;
    int rc = inflate(&z_, Z_NO_FLUSH);
    std::size_t produced = sizeof buf - z_.avail_out;
    out.append(buf, produced);
    if (rc == Z_STREAM_END) finished_ = true;
    if (produced == 0 || (rc != Z_OK && rc != Z_STREAM_END)) break;
  }
}

}  // namespace corio::http::detail
