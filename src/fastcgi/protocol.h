// FastCGI, responder role, as a state machine of its own: bytes from the web server
// in, records to it out. Knows nothing of sockets, threads or rules, so that the
// fuzzer drives it exactly as the event loop does (tests/fuzz/fuzz_fastcgi.cpp).
//
// Every length a peer sends is checked against what arrived and against a bound
// before anything is kept: a record's content is streamed to where it belongs (the
// params, at most kMaxParams in all; the body, at most what the owner asked for) or
// skipped, never buffered whole on a length the peer claims.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cr::fcgi {

// Record types and the values of END_REQUEST's protocolStatus (FastCGI 1.0, section 8).
enum : unsigned char {
    kBeginRequest = 1,
    kAbortRequest = 2,
    kEndRequest = 3,
    kParams = 4,
    kStdin = 5,
    kStdout = 6,
    kStderr = 7,
    kData = 8,
    kGetValues = 9,
    kGetValuesResult = 10,
    kUnknownType = 11,
};
enum : unsigned char { kRequestComplete = 0, kCantMpxConn = 1, kOverloaded = 2, kUnknownRole = 3 };
constexpr unsigned kResponder = 1;
constexpr unsigned char kKeepConn = 1;

// The params of one request, in all (names, values and their length bytes).
constexpr std::size_t kMaxParams = 64 * 1024;

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Parses FastCGI name-value pairs (1- or 4-byte lengths). Returns false with *err
// when a length overruns `data`; keeps nothing then. No length is trusted before it
// is checked against `data`, so the pairs hold at most data.size() bytes.
bool parse_pairs(std::string_view data, Pairs* out, std::string* err);

// Reads one name-value length (1 byte below 128, else 4 bytes with the top bit set) at
// data[*at], advancing *at. Returns false when it is not all there yet.
bool read_length(std::string_view data, std::size_t* at, std::size_t* length);

// Appends the name-value pair as FastCGI encodes it.
void put_pair(std::string* out, std::string_view name, std::string_view value);

// A record's header (FastCGI 1.0, section 3.3), decoded once.
struct RecordHeader {
    unsigned char version = 1;
    unsigned char type = 0;
    std::uint16_t request_id = 0;
    std::uint16_t content_length = 0;
    unsigned char padding_length = 0;
};
constexpr std::size_t kHeaderSize = 8;

// The header in its 8 bytes.
RecordHeader decode_header(const unsigned char* bytes);
// Appends the 8 bytes of a header of version 1.
void encode_header(std::string* out, unsigned char type, std::uint16_t id, std::uint16_t length, unsigned char padding);

// Appends `content` as records of `type` for request `id`: one record per 65,528
// bytes (an empty content gives one empty record), each padded to 8 bytes with zeros.
void put_records(std::string* out, unsigned char type, std::uint16_t id, std::string_view content);

// How much body a request wants, decided from its params.
struct BodyWant {
    std::size_t length = 0;  // exactly this many bytes; with to_end: at most this many
    bool to_end = false;     // no usable length: read to the empty STDIN record
};

// The owner of a connection: decides on a request. Each call returns the answer as
// a CGI response ("Status: ...\r\n...\r\n\r\nbody"), sent as STDOUT records.
class Handler {
public:
    virtual ~Handler() = default;
    // The params are in. Returns true with *want to read the body next, or false with
    // *answer when the answer is known without it (405, 413 ...).
    virtual bool on_params(const Pairs& params, BodyWant* want, std::string* answer) = 0;
    // The body as read: `length` bytes, or with to_end what came before the end (one
    // byte more than asked when it went past). `complete` is false when the connection
    // ended (or its time ran out) first: then the body is what came, however long it
    // looks. Returns the answer.
    virtual std::string on_body(std::string_view body, bool complete) = 0;
    // The web server aborted the request (FCGI_ABORT_REQUEST); nothing is answered.
    virtual void on_abort() = 0;
};

struct Limits {
    unsigned max_conns = 1024;  // what FCGI_GET_VALUES reports for FCGI_MAX_CONNS / _REQS
};

// One connection's protocol state.
class Connection {
public:
    Connection(Handler* handler, Limits limits) : handler_(handler), limits_(limits) {}

    // Consumes `n` bytes from the peer. Answers are appended to output(). After a
    // protocol error or once the connection is to close, further bytes are ignored.
    void feed(const char* data, std::size_t n);

    // The peer closed its side (or the time for the request is up): a request that
    // was reading its body is decided on what came, so that it leaves its log line;
    // the answer is kept in the output for whoever can still send it.
    void end_of_input();

    // Bytes to send, in order; the caller takes them all.
    std::string& output() { return out_; }
    const std::string& output() const { return out_; }

    // A request has begun and is not answered yet.
    bool busy() const { return state_ != State::Idle; }
    // Whether the request in progress is reading its body (vs. its params).
    bool reading_body() const { return state_ == State::Body; }
    // The connection is done: the last answer was for a request without
    // FCGI_KEEP_CONN, or the peer broke the protocol (error() says how).
    bool done() const { return done_; }
    const std::string& error() const { return error_; }
    // Requests answered on this connection.
    unsigned answered() const { return answered_; }
    // Requests begun, and ended (answered or aborted): a change tells the owner that a
    // request began or ended, whatever happened in between.
    unsigned begun() const { return begun_; }
    unsigned ended() const { return ended_; }
    // The last request answered may still send STDIN records (it was answered before
    // the empty one came): closing now could reset the connection and lose the answer.
    bool input_may_follow() const { return stdin_open_; }

private:
    // The request in progress: none, reading its params, reading its body.
    enum class State { Idle, Params, Body };
    // Where the reader is within a record.
    enum class Reading { Header, Content, Padding };
    // What is done with a record's content as it comes, and once it is complete.
    using Take = void (Connection::*)(const char* p, std::size_t n);
    using End = void (Connection::*)();

    void start_record();
    void end_record();
    void fail(std::string why);

    // One handler per record type, each checking its own preconditions (slowcgi's
    // parse_begin_request, parse_params, parse_stdin): what does not apply to the
    // request in progress is skipped (FastCGI 1.0, section 3.3).
    void on_begin_request();
    void on_params_record();
    void on_stdin_record();
    void on_abort_request();
    void on_management();
    void collect(const char* p, std::size_t n);  // BEGIN_REQUEST (8 bytes) and management records
    void take_params(const char* p, std::size_t n);
    void take_stdin(const char* p, std::size_t n);

    void finish_params();
    void finish_body(bool complete);
    void answer(const std::string& cgi_response, unsigned app_status);
    void end_request(std::uint16_t id, unsigned app_status, unsigned char protocol_status);

    Handler* handler_;
    Limits limits_;
    std::string out_;
    std::string error_;
    bool done_ = false;
    unsigned answered_ = 0, begun_ = 0, ended_ = 0;

    // The record being read.
    Reading reading_ = Reading::Header;
    unsigned char head_[kHeaderSize] = {};
    std::size_t head_got_ = 0;
    RecordHeader rec_;
    std::size_t content_left_ = 0, padding_left_ = 0;
    Take take_ = nullptr;  // null: the content is skipped
    End end_ = nullptr;
    std::string record_;  // content of a BEGIN_REQUEST or management record (at most 65,535 bytes)

    // The request in progress.
    State state_ = State::Idle;
    std::uint16_t request_id_ = 0;
    bool keep_conn_ = false;
    std::string params_;
    std::size_t params_seen_ = 0;  // of params_: the pairs whose lengths were checked
    BodyWant want_;
    std::string body_;
    std::uint16_t answered_id_ = 0;  // the last request answered,
    bool stdin_open_ = false;        // and whether its STDIN has not ended
};

}  // namespace cr::fcgi
