// The webhook's POST (SPEC section 10), with libcurl, opened when --notify first sends
// one (libcurl.so.4, Debian's libcurl4): the answering process never loads it.
#pragma once
#include <string>

namespace cr {

// POSTs `json` (Content-Type: application/json) to `url` (https://, or http:// to a
// loopback address: rules/address.h). TLS is verified (the system's CAs); the
// connection may take `timeout / 3` seconds and the whole, redirects included,
// `timeout`; a redirect that keeps the POST (307, 308) is followed only to the same
// scheme, host and port, at most 3 times. A 2xx answer is success. One at a time: the
// handle, and its kept connections, are the process's. Returns false with *err ("HTTP 500", "Could not connect to
// server: ...", "SSL peer certificate or SSH remote key was not OK: ...", "redirected
// to another host: ...", "cannot load libcurl.so.4: ...").
bool http_post(const std::string& url, const std::string& json, int timeout, std::string* err);

}  // namespace cr
