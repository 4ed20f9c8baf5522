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

bool parse_pairs(std::string_view data, Pairs* out, std::string* err) {
    out->clear();
    std::size_t i = 0;
    auto length = [&](std::size_t* v) {
        if (i >= data.size()) return false;
        auto b = [&](std::size_t k) { return static_cast<std::size_t>(static_cast<unsigned char>(data[i + k])); };
        if (b(0) < 128) {
            *v = b(0);
            i += 1;
            return true;
        }
        if (data.size() - i < 4) return false;
        *v = ((b(0) & 0x7f) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
        i += 4;
        return true;
    };
    while (i < data.size()) {
        std::size_t name_len = 0, value_len = 0;
        if (!length(&name_len) || !length(&value_len)) {
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

void put_records(std::string* out, unsigned char type, std::uint16_t id, std::string_view content) {
    do {
        std::size_t n = std::min(content.size(), kMaxChunk);
        std::size_t pad = (8 - n % 8) % 8;
        const char head[8] = {1,
                              static_cast<char>(type),
                              static_cast<char>(id >> 8),
                              static_cast<char>(id & 0xff),
                              static_cast<char>(n >> 8),
                              static_cast<char>(n & 0xff),
                              static_cast<char>(pad),
                              0};
        out->append(head, sizeof head);
        out->append(content.substr(0, n));
        out->append(pad, '\0');
        content.remove_prefix(n);
    } while (!content.empty());
}

void Connection::feed(const char* data, std::size_t n) {
    // Once done, only the end of the last request's STDIN is looked for (see input_may_follow).
    while (n > 0 && error_.empty() && !(done_ && !stdin_open_)) {
        if (head_got_ == sizeof head_ && content_left_ == 0 && padding_left_ == 0) head_got_ = 0;
        if (head_got_ < sizeof head_) {
            std::size_t k = std::min(sizeof head_ - head_got_, n);
            std::memcpy(head_ + head_got_, data, k);
            head_got_ += k;
            data += k;
            n -= k;
            if (head_got_ < sizeof head_) break;
            start_record();
            if (error_.empty() && content_left_ == 0) end_record();
        } else if (content_left_ > 0) {
            std::size_t k = std::min(content_left_, n);
            content(data, k);
            content_left_ -= k;
            data += k;
            n -= k;
            if (error_.empty() && content_left_ == 0) end_record();
        } else {
            std::size_t k = std::min(padding_left_, n);
            padding_left_ -= k;
            data += k;
            n -= k;
        }
    }
}

void Connection::end_of_input() {
    if (done_) return;
    if (state_ == State::Body) finish_body(false);
    done_ = true;
}

void Connection::start_record() {
    if (head_[0] != 1) return fail("record version " + std::to_string(head_[0]) + ", not 1");
    type_ = head_[1];
    id_ = static_cast<std::uint16_t>(head_[2] << 8 | head_[3]);
    content_left_ = static_cast<std::size_t>(head_[4] << 8 | head_[5]);
    padding_left_ = head_[6];
    record_.clear();
    sink_ = Sink::Skip;
    if (done_) {
        if (type_ == kStdin && id_ == answered_id_ && content_left_ == 0) stdin_open_ = false;
        return;
    }
    if (id_ == 0) {
        sink_ = Sink::Management;
    } else if (type_ == kBeginRequest) {
        sink_ = Sink::Begin;
    } else if (id_ == request_id_ && type_ == kParams && state_ == State::Params) {
        sink_ = Sink::Params;
        if (content_left_ == 0) finish_params();
    } else if (type_ == kStdin && id_ == answered_id_ && state_ == State::Idle && content_left_ == 0) {
        stdin_open_ = false;
    } else if (id_ == request_id_ && type_ == kStdin && state_ != State::Idle) {
        if (state_ == State::Params) return fail("STDIN before the end of the params");
        sink_ = Sink::Stdin;
        if (content_left_ == 0) finish_body(true);
    }
    // Anything else (a record for a request that is not active, DATA, a type sent
    // the wrong way) is skipped: FastCGI 1.0, section 3.3.
}

void Connection::content(const char* p, std::size_t n) {
    switch (sink_) {
    case Sink::Skip: break;
    case Sink::Begin: record_.append(p, std::min(n, 8 - std::min<std::size_t>(record_.size(), 8))); break;
    case Sink::Management: record_.append(p, n); break;  // a record holds at most 65,535 bytes
    case Sink::Params:
        if (params_.size() + n > kMaxParams) return fail("params longer than 64 KiB");
        params_.append(p, n);
        break;
    case Sink::Stdin: {
        std::size_t cap = want_.to_end ? want_.length + 1 : want_.length;
        body_.append(p, std::min(n, cap - body_.size()));
        if (body_.size() == cap) finish_body(true);
        break;
    }
    }
}

void Connection::end_record() {
    switch (sink_) {
    case Sink::Begin: {
        if (record_.size() < 8) return fail("BEGIN_REQUEST shorter than 8 bytes");
        unsigned role = static_cast<unsigned>(static_cast<unsigned char>(record_[0])) << 8 |
                        static_cast<unsigned char>(record_[1]);
        bool keep = (static_cast<unsigned char>(record_[2]) & kKeepConn) != 0;
        if (state_ != State::Idle && id_ == request_id_) return fail("BEGIN_REQUEST for the request in progress");
        if (state_ != State::Idle) return end_request(id_, 0, kCantMpxConn);
        if (role != kResponder) {
            answered_id_ = id_;
            stdin_open_ = true;
            end_request(id_, 0, kUnknownRole);
            if (!keep) done_ = true;
            return;
        }
        state_ = State::Params;
        request_id_ = id_;
        keep_conn_ = keep;
        ++begun_;
        break;
    }
    case Sink::Management: management(); break;
    case Sink::Skip:
        if (type_ == kAbortRequest && id_ == request_id_ && state_ != State::Idle) {
            handler_->on_abort();
            std::uint16_t id = request_id_;
            answered_id_ = id;
            stdin_open_ = true;
            state_ = State::Idle;
            request_id_ = 0;
            std::string().swap(params_);
            std::string().swap(body_);
            end_request(id, 1, kRequestComplete);
            ++ended_;
            if (!keep_conn_) done_ = true;
        }
        break;
    case Sink::Params:
    case Sink::Stdin: break;  // an empty one ended its stream in start_record
    }
    sink_ = Sink::Skip;
}

void Connection::fail(std::string why) {
    error_ = std::move(why);
    done_ = true;
}

void Connection::finish_params() {
    Pairs pairs;
    std::string err;
    if (!parse_pairs(params_, &pairs, &err)) return fail("bad params: " + err);
    std::string().swap(params_);
    want_ = BodyWant{};
    std::string early;
    if (!handler_->on_params(pairs, &want_, &early)) return answer(early, 0);
    state_ = State::Body;
    if (!want_.to_end && want_.length == 0) finish_body(true);
}

void Connection::finish_body(bool complete) {
    bool ended = sink_ == Sink::Stdin && content_left_ == 0;  // called for the empty STDIN record
    std::string a = handler_->on_body(body_, complete);
    answer(a, 0);
    stdin_open_ = !ended;
}

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
    sink_ = Sink::Skip;
    std::string().swap(params_);
    std::string().swap(body_);
    if (!keep_conn_) done_ = true;
}

void Connection::end_request(std::uint16_t id, unsigned app_status, unsigned char protocol_status) {
    const char body[8] = {static_cast<char>(app_status >> 24), static_cast<char>(app_status >> 16),
                          static_cast<char>(app_status >> 8),  static_cast<char>(app_status),
                          static_cast<char>(protocol_status),  0, 0, 0};
    put_records(&out_, kEndRequest, id, std::string_view(body, sizeof body));
}

void Connection::management() {
    if (type_ != kGetValues) {
        const char body[8] = {static_cast<char>(type_), 0, 0, 0, 0, 0, 0, 0};
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
