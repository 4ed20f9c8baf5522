#include "fastcgi/protocol.h"

#include <algorithm>
#include <cstring>

namespace cr::fcgi {

namespace {

// The largest record content that needs no padding (a multiple of 8 below 65,536).
constexpr std::size_t kMaxChunk = 65528;

void put_length(std::string* out, std::size_t n) {
    if (n < 128) {
        out->push_back(static_cast<char>(n));
        return;
    }
    out->push_back(static_cast<char>(0x80 | ((n >> 24) & 0x7f)));
    out->push_back(static_cast<char>((n >> 16) & 0xff));
    out->push_back(static_cast<char>((n >> 8) & 0xff));
    out->push_back(static_cast<char>(n & 0xff));
}

}  // namespace

bool read_length(std::string_view data, std::size_t* at, std::size_t* length) {
    std::size_t i = *at;
    if (i >= data.size()) return false;
    auto b = [&](std::size_t k) { return static_cast<std::size_t>(static_cast<unsigned char>(data[i + k])); };
    if (b(0) < 128) {
        *length = b(0);
        *at = i + 1;
        return true;
    }
    if (data.size() - i < 4) return false;
    *length = ((b(0) & 0x7f) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
    *at = i + 4;
    return true;
}

bool parse_pairs(std::string_view data, Pairs* out, std::string* err) {
    out->clear();
    std::size_t i = 0;
    while (i < data.size()) {
        std::size_t name_len = 0, value_len = 0;
        if (!read_length(data, &i, &name_len) || !read_length(data, &i, &value_len)) {
            *err = "a name-value length is cut off";
            out->clear();
            return false;
        }
        if (name_len > data.size() - i || value_len > data.size() - i - name_len) {
            *err = "a name or value is longer than the params";
            out->clear();
            return false;
        }
        out->emplace_back(std::string(data.substr(i, name_len)), std::string(data.substr(i + name_len, value_len)));
        i += name_len + value_len;
    }
    return true;
}

void put_pair(std::string* out, std::string_view name, std::string_view value) {
    put_length(out, name.size());
    put_length(out, value.size());
    out->append(name);
    out->append(value);
}

RecordHeader decode_header(const unsigned char* b) {
    RecordHeader h;
    h.version = b[0];
    h.type = b[1];
    h.request_id = static_cast<std::uint16_t>(b[2] << 8 | b[3]);
    h.content_length = static_cast<std::uint16_t>(b[4] << 8 | b[5]);
    h.padding_length = b[6];
    return h;
}

void encode_header(std::string* out, unsigned char type, std::uint16_t id, std::uint16_t length,
                   unsigned char padding) {
    const char head[kHeaderSize] = {1,
                                    static_cast<char>(type),
                                    static_cast<char>(id >> 8),
                                    static_cast<char>(id & 0xff),
                                    static_cast<char>(length >> 8),
                                    static_cast<char>(length & 0xff),
                                    static_cast<char>(padding),
                                    0};
    out->append(head, sizeof head);
}

void put_records(std::string* out, unsigned char type, std::uint16_t id, std::string_view content) {
    do {
        std::size_t n = std::min(content.size(), kMaxChunk);
        std::size_t pad = (8 - n % 8) % 8;
        encode_header(out, type, id, static_cast<std::uint16_t>(n), static_cast<unsigned char>(pad));
        out->append(content.substr(0, n));
        out->append(pad, '\0');
        content.remove_prefix(n);
    } while (!content.empty());
}

void Connection::feed(const char* data, std::size_t n) {
    // Once done, only the end of the last request's STDIN is looked for (see input_may_follow).
    while (n > 0 && error_.empty() && !(done_ && !stdin_open_)) {
        std::size_t k = 0;
        switch (reading_) {
        case Reading::Header:
            k = std::min(sizeof head_ - head_got_, n);
            std::memcpy(head_ + head_got_, data, k);
            head_got_ += k;
            if (head_got_ == sizeof head_) {
                head_got_ = 0;
                start_record();
                if (error_.empty() && content_left_ == 0) end_record();
            }
            break;
        case Reading::Content:
            k = std::min(content_left_, n);
            if (take_) (this->*take_)(data, k);
            content_left_ -= k;
            if (error_.empty() && content_left_ == 0) end_record();
            break;
        case Reading::Padding:
            k = std::min(padding_left_, n);
            padding_left_ -= k;
            if (padding_left_ == 0) reading_ = Reading::Header;
            break;
        }
        data += k;
        n -= k;
    }
}

void Connection::end_of_input() {
    if (done_) return;
    if (state_ == State::Body) finish_body(false);
    done_ = true;
}

// A header is in: decides what its content is for.
void Connection::start_record() {
    rec_ = decode_header(head_);
    if (rec_.version != 1) return fail("record version " + std::to_string(rec_.version) + ", not 1");
    content_left_ = rec_.content_length;
    padding_left_ = rec_.padding_length;
    reading_ = content_left_ ? Reading::Content : Reading::Padding;
    record_.clear();
    take_ = nullptr;
    end_ = nullptr;
    if (done_) {
        // Only the end of the last answered request's STDIN matters now, and an abort of a
        // request cut off while reading its params (after end_of_input).
        if (rec_.type == kStdin && rec_.request_id == answered_id_ && rec_.content_length == 0) stdin_open_ = false;
        if (rec_.type == kAbortRequest && rec_.request_id != 0) end_ = &Connection::on_abort_request;
        return;
    }
    if (rec_.request_id == 0) {
        take_ = &Connection::collect;
        end_ = &Connection::on_management;
        return;
    }
    switch (rec_.type) {
    case kBeginRequest:
        // Its body is 8 bytes (FastCGI 1.0, section 5.1); php-fpm and h2o refuse any other.
        if (rec_.content_length != 8)
            return fail("BEGIN_REQUEST of " + std::to_string(rec_.content_length) + " bytes, not 8");
        take_ = &Connection::collect;
        end_ = &Connection::on_begin_request;
        break;
    case kParams: on_params_record(); break;
    case kStdin: on_stdin_record(); break;
    case kAbortRequest: end_ = &Connection::on_abort_request; break;
    default: break;  // DATA, a type sent the wrong way, one we do not know
    }
}

// The record's content is all in (or it had none).
void Connection::end_record() {
    reading_ = padding_left_ ? Reading::Padding : Reading::Header;
    End end = end_;
    take_ = nullptr;
    end_ = nullptr;
    if (end) (this->*end)();
}

void Connection::fail(std::string why) {
    error_ = std::move(why);
    done_ = true;
}

void Connection::collect(const char* p, std::size_t n) {
    record_.append(p, n);  // a record holds at most 65,535 bytes; a BEGIN_REQUEST, 8
}

// A request begins: a second one while one is in progress is refused with
// CANT_MPX_CONN (the same id again breaks the protocol); a role other than responder
// is answered UNKNOWN_ROLE at once, and its STDIN may still come (answered_id_).
void Connection::on_begin_request() {
    unsigned role =
        static_cast<unsigned>(static_cast<unsigned char>(record_[0])) << 8 | static_cast<unsigned char>(record_[1]);
    bool keep = (static_cast<unsigned char>(record_[2]) & kKeepConn) != 0;
    const std::uint16_t id = rec_.request_id;
    if (state_ != State::Idle && id == request_id_) return fail("BEGIN_REQUEST for the request in progress");
    if (state_ != State::Idle) return end_request(id, 0, kCantMpxConn);
    if (role != kResponder) {
        answered_id_ = id;
        stdin_open_ = true;
        end_request(id, 0, kUnknownRole);
        if (!keep) done_ = true;
        return;
    }
    state_ = State::Params;
    request_id_ = id;
    keep_conn_ = keep;
    ++begun_;
}

// PARAMS for the request reading its params; an empty one ends them. PARAMS for the
// request once its body has begun break the protocol (php-fpm refuses them too).
void Connection::on_params_record() {
    if (rec_.request_id != request_id_ || state_ == State::Idle) return;
    if (state_ == State::Body) return fail("PARAMS after the body began");
    take_ = &Connection::take_params;
    if (rec_.content_length == 0) finish_params();
}

// The params as they stream in. Each name-value pair's lengths are read as soon as
// they are in, so that a length that could never fit the bound is refused at once,
// not after waiting for bytes that never come.
void Connection::take_params(const char* p, std::size_t n) {
    if (params_.size() + n > kMaxParams) return fail("params longer than " + std::to_string(kMaxParams >> 10) + " KiB");
    params_.append(p, n);
    while (params_seen_ < params_.size()) {
        std::size_t name_len = 0, value_len = 0, at = params_seen_;
        if (!read_length(params_, &at, &name_len) || !read_length(params_, &at, &value_len)) return;  // more to come
        if (name_len > kMaxParams - at || value_len > kMaxParams - at - name_len)
            return fail("params longer than " + std::to_string(kMaxParams >> 10) + " KiB");
        if (at + name_len + value_len > params_.size()) return;  // its bytes are still to come
        params_seen_ = at + name_len + value_len;
    }
}

// STDIN: the end of the last answered request's body (an empty record), or the body
// of the request in progress, whose params must have ended.
void Connection::on_stdin_record() {
    const std::uint16_t id = rec_.request_id;
    if (id == answered_id_ && state_ == State::Idle && rec_.content_length == 0) {
        stdin_open_ = false;
        return;
    }
    if (id != request_id_ || state_ == State::Idle) return;
    if (state_ == State::Params) return fail("STDIN before the end of the params");
    take_ = &Connection::take_stdin;
    if (rec_.content_length == 0) finish_body(true);
}

void Connection::take_stdin(const char* p, std::size_t n) {
    std::size_t cap = want_.to_end ? want_.length + 1 : want_.length;
    body_.append(p, std::min(n, cap - body_.size()));
    if (body_.size() == cap) finish_body(true);
}

void Connection::on_abort_request() {
    if (rec_.request_id != request_id_ || state_ == State::Idle) return;
    handler_->on_abort();
    std::uint16_t id = request_id_;
    answered_id_ = id;
    stdin_open_ = true;
    state_ = State::Idle;
    request_id_ = 0;
    std::string().swap(params_);
    params_seen_ = 0;
    std::string().swap(body_);
    end_request(id, 1, kRequestComplete);
    ++ended_;
    if (!keep_conn_) done_ = true;
}

// The params are all in: the handler answers at once (405, 413 ...) or says how much
// body to read; a body of none is answered here.
void Connection::finish_params() {
    Pairs pairs;
    std::string err;
    if (!parse_pairs(params_, &pairs, &err)) return fail("bad params: " + err);
    std::string().swap(params_);
    params_seen_ = 0;
    want_ = BodyWant{};
    std::string early;
    if (!handler_->on_params(pairs, &want_, &early)) return answer(early, 0);
    state_ = State::Body;
    if (!want_.to_end && want_.length == 0) finish_body(true);
}

// The body is in (`complete`), or the connection ended first: the handler answers. Called
// for the empty STDIN record, the body's STDIN has ended; otherwise more of it may come
// and is skipped (input_may_follow).
void Connection::finish_body(bool complete) {
    bool ended = take_ == &Connection::take_stdin && content_left_ == 0;  // called for the empty STDIN record
    std::string a = handler_->on_body(body_, complete);
    answer(a, 0);
    stdin_open_ = !ended;
}

// Sends the answer as STDOUT records, the empty one and END_REQUEST, and makes the
// connection ready for the next request (or done without FCGI_KEEP_CONN).
void Connection::answer(const std::string& cgi_response, unsigned app_status) {
    std::uint16_t id = request_id_;
    answered_id_ = id;
    stdin_open_ = true;
    if (!cgi_response.empty()) put_records(&out_, kStdout, id, cgi_response);
    put_records(&out_, kStdout, id, {});
    end_request(id, app_status, kRequestComplete);
    ++answered_;
    ++ended_;
    state_ = State::Idle;
    request_id_ = 0;
    take_ = nullptr;
    std::string().swap(params_);
    params_seen_ = 0;
    std::string().swap(body_);
    if (!keep_conn_) done_ = true;
}

void Connection::end_request(std::uint16_t id, unsigned app_status, unsigned char protocol_status) {
    const char body[8] = {static_cast<char>(app_status >> 24),
                          static_cast<char>(app_status >> 16),
                          static_cast<char>(app_status >> 8),
                          static_cast<char>(app_status),
                          static_cast<char>(protocol_status),
                          0,
                          0,
                          0};
    put_records(&out_, kEndRequest, id, std::string_view(body, sizeof body));
}

void Connection::on_management() {
    if (rec_.type != kGetValues) {
        const char body[8] = {static_cast<char>(rec_.type), 0, 0, 0, 0, 0, 0, 0};
        put_records(&out_, kUnknownType, 0, std::string_view(body, sizeof body));
        return;
    }
    Pairs asked;
    std::string err;
    if (!parse_pairs(record_, &asked, &err)) return fail("bad GET_VALUES: " + err);
    // Each name known, once, in the order asked.
    const char* const known[] = {"FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS"};
    const std::string values[] = {std::to_string(limits_.max_conns), std::to_string(limits_.max_conns), "0"};
    bool given[3] = {};
    std::string result;
    for (const auto& pair : asked) {
        for (int k = 0; k < 3; ++k) {
            if (pair.first != known[k] || given[k]) continue;
            given[k] = true;
            put_pair(&result, known[k], values[k]);
        }
    }
    put_records(&out_, kGetValuesResult, 0, result);
}

}  // namespace cr::fcgi
