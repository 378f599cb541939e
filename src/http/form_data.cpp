// FormData: urlencoded or multipart/form-data encoding (see form_data.hpp).
#include "corio/http/form_data.hpp"

#include <random>

#include "corio/http/multidict.hpp"
#include "corio/http/query.hpp"

namespace corio::http {

namespace {

std::string random_boundary() {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (char& c : out) c = kHex[gen() % 16];
  return out;
}

// A quoted Content-Disposition parameter value, escaped as browsers do.
void append_quoted(std::string& out, std::string_view value) {
  out += '"';
  for (char c : value) {
    if (c == '"') {
      out += "%22";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

FormData::FormData(bool force_multipart) : boundary_(random_boundary()), multipart_(force_multipart) {}

void FormData::add_field(std::string name, std::string value, std::optional<std::string> filename,
                         std::optional<std::string> content_type) {
  if (filename || content_type) multipart_ = true;
  fields_.push_back({std::move(name), std::move(value), std::move(filename), std::move(content_type)});
}

FormData::Encoded FormData::encode() const {
  Encoded out;
  if (!multipart_) {
    MultiDict fields;
    for (const Field& f : fields_) fields.add(f.name, f.value);
    out.body = urlencode(fields);
    out.content_type = "application/x-www-form-urlencoded";
    return out;
  }
  std::size_t size = 0;
  for (const Field& f : fields_) size += f.value.size() + f.name.size() + 128;
  out.body.reserve(size + boundary_.size() * (fields_.size() + 1));
  for (const Field& f : fields_) {
    out.body += "--" + boundary_ + "\r\nContent-Disposition: form-data; name=";
    append_quoted(out.body, f.name);
    if (f.filename) {
      out.body += "; filename=";
      append_quoted(out.body, *f.filename);
    }
    out.body += "\r\n";
    if (f.content_type) {
      out.body += "Content-Type: " + *f.content_type + "\r\n";
    } else if (f.filename) {
      out.body += "Content-Type: application/octet-stream\r\n";
    }
    out.body += "\r\n";
    out.body += f.value;
    out.body += "\r\n";
  }
  out.body += "--" + boundary_ + "--\r\n";
  out.content_type = "multipart/form-data; boundary=" + boundary_;
  return out;
}

}  // namespace corio::http
